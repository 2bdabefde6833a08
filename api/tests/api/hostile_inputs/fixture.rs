//! A workspace with something of everything, and valid arguments for every operation, so a
//! hostile value in one argument gets as far as the others let it: through validation to the
//! statements. Operations that use their target up (archive, delete, revoke, remove) get a
//! fresh one per call; additions to the meta model are undone after each call, so it stays small,
//! and are made to a type and a relation type without data (a change to a type with thousands
//! of fact sheets rewrites them all, which is right but slow).

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::support::TestApp;

/// One attribute of each type, with a valid value.
const SANDBOX_ATTRIBUTES: [(&str, &str); 12] = [
    ("sText", "STRING"),
    ("sProse", "TEXT"),
    ("sInt", "INTEGER"),
    ("sNum", "NUMBER"),
    ("sBool", "BOOLEAN"),
    ("sDate", "DATE"),
    ("sTime", "DATE_TIME"),
    ("sUrl", "URL"),
    ("sMail", "EMAIL"),
    ("sOne", "SINGLE_SELECT"),
    ("sMany", "MULTI_SELECT"),
    ("sLife", "LIFECYCLE"),
];

fn attribute_values() -> Value {
    json!({
        "sText": "hello", "sProse": "some prose", "sInt": 5, "sNum": 2.5, "sBool": true,
        "sDate": "2024-01-01", "sTime": "2024-01-01T00:00:00Z", "sUrl": "https://example.com",
        "sMail": "a@example.com", "sOne": "a", "sMany": ["a", "b"],
        "sLife": {"plan": "2024-01-01", "active": "2024-06-01"},
    })
}

fn definition(key: &str, kind: &str) -> Value {
    let select = kind.ends_with("SELECT");
    json!({
        "key": key, "label": key, "description": "d", "type": kind, "required": false,
        "constraints": if kind == "STRING" { json!({"maxLength": 100, "pattern": "[a-z]+"}) }
            else if kind == "NUMBER" { json!({"min": 0, "max": 10}) } else { json!({}) },
        "weight": 1.0,
        "options": if select { json!([{"key": "a", "label": "A", "order": 1}, {"key": "b", "label": "B"}]) }
            else { json!([]) },
    })
}

fn link_type(key: &str, between: &str) -> Value {
    json!({
        "key": key, "label": "links", "description": "d", "fromType": between, "toType": between,
        "fromCardinality": "MANY", "toCardinality": "MANY",
        "attributes": [definition("note", "STRING"), definition("weight", "NUMBER")],
    })
}

pub struct Fixture {
    /// Two sandbox fact sheets (A has an `eventSource` external ID), and a relation A → B.
    a: String,
    b: String,
    relation: String,
    /// A cursor of the first page of sandbox fact sheets by name.
    cursor: String,
    counter: AtomicUsize,
}

const CREATE: &str =
    "mutation($i: CreateFactSheetInput!) { createFactSheet(input: $i) { factSheet { id } } }";

impl Fixture {
    pub async fn new(app: &TestApp) -> Self {
        let attributes: Vec<Value> = SANDBOX_ATTRIBUTES
            .iter()
            .map(|(key, kind)| definition(key, kind))
            .collect();
        let add_type =
            "mutation($i: FactSheetTypeInput!) { addFactSheetType(input: $i) { __typename } }";
        let add_link =
            "mutation($i: RelationTypeInput!) { addRelationType(input: $i) { __typename } }";
        app.data(
            add_type,
            json!({"i": {"key": "Sandbox", "label": "Sandbox", "attributes": attributes}}),
        )
        .await;
        app.data(
            add_type,
            json!({"i": {"key": "Meta", "label": "Meta", "attributes": [definition("upd", "STRING")]}}),
        )
        .await;
        app.data(add_link, json!({"i": link_type("sandboxLink", "Sandbox")}))
            .await;
        app.data(add_link, json!({"i": link_type("metaLink", "Meta")}))
            .await;
        app.data(
            "mutation { createTagGroup(input: {name: \"grp\"}) { __typename } createTag(input: {name: \"pci\"}) { __typename } }",
            json!({}),
        )
        .await;
        let a = id(
            app.data(CREATE, json!({"i": {"type": "Sandbox", "name": "Sandbox A", "attributes": attribute_values(), "tags": ["pci"], "externalIds": [{"namespace": "eventSource", "value": "sandbox-a"}]}}))
                .await,
        );
        let b = id(
            app.data(CREATE, json!({"i": {"type": "Sandbox", "name": "Sandbox B", "attributes": attribute_values(), "tags": ["pci"]}}))
                .await,
        );
        let relation = id(app
            .data(
                "mutation($i: CreateRelationInput!) { createRelation(input: $i) { relation { id } } }",
                json!({"i": {"type": "sandboxLink", "fromId": a, "toId": b, "attributes": {"note": "n"}}}),
            )
            .await);
        let page = app
            .data(
                "{ factSheets(first: 1, filter: {types: [\"Sandbox\"]}) { pageInfo { endCursor } } }",
                json!({}),
            )
            .await;
        let cursor = page["factSheets"]["pageInfo"]["endCursor"]
            .as_str()
            .unwrap()
            .to_owned();
        Self {
            a,
            b,
            relation,
            cursor,
            counter: AtomicUsize::new(0),
        }
    }

    /// Valid variables for root operation `operation`; `hostile` names the argument about to get
    /// a hostile value (no fresh target is made for a call whose target is the hostile value).
    pub async fn arguments(&self, app: &TestApp, operation: &str, hostile: &str) -> Value {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let fresh = !(hostile == "id" || hostile == "key");
        let (a, b) = (self.a.clone(), self.b.clone());
        match operation {
            "factSheet" => json!({"id": a}),
            "factSheetByExternalId" => json!({"namespace": "eventSource", "value": "sandbox-a"}),
            "factSheets" => json!({
                "filter": {
                    "ids": [b], "types": ["Sandbox"], "search": "sandbox",
                    "attributes": {"sText": "hello", "sInt": {"gte": 1, "lt": 100}, "sMany": ["a"],
                        "sTime": {"in": ["2024-01-01T00:00:00Z"]}, "sOne": {"isSet": true}},
                    "tags": ["pci"], "status": "ACTIVE",
                    "relations": [{"type": "sandboxLink", "direction": "INCOMING", "otherId": a, "exists": true}],
                },
                "first": 2, "after": self.cursor, "orderBy": {"field": "NAME", "direction": "ASC"},
            }),
            "relation" => json!({"id": self.relation}),
            "metaModel" => json!({"version": 1}),
            "createFactSheet" => only_near(
                hostile,
                json!({"input": {
                    "type": "Sandbox", "name": format!("fs {n}"), "description": "d",
                    "attributes": attribute_values(),
                    "externalIds": [{"namespace": "repo", "value": format!("r{n}")}],
                    "parentId": a, "tags": ["pci", format!("t{n}")],
                }}),
            ),
            "updateFactSheet" => only_near(
                hostile,
                json!({"input": {
                    "id": b, "name": "Sandbox B", "description": "d",
                    "attributes": attribute_values(),
                    "externalIds": [{"namespace": "repo", "value": format!("u{n}")}],
                }}),
            ),
            "archiveFactSheet" => json!({"id": self.sandbox(app, fresh).await, "comment": "c"}),
            "restoreFactSheet" => {
                let id = self.sandbox(app, fresh).await;
                if fresh {
                    app.data(
                        "mutation($id: ID!) { archiveFactSheet(id: $id) { __typename } }",
                        json!({"id": id}),
                    )
                    .await;
                }
                json!({"id": id, "comment": "c"})
            }
            "createRelation" => json!({"input": {
                "type": "sandboxLink", "fromId": a, "toId": self.sandbox(app, true).await,
                "attributes": {"note": "n", "weight": 1.5},
                "activeFrom": "2024-01-01T00:00:00Z", "activeUntil": "2025-01-01T00:00:00Z",
            }}),
            "updateRelation" => json!({"input": {
                "id": self.relation, "attributes": {"note": "n", "weight": 1.5},
                "activeFrom": "2024-01-01T00:00:00Z", "activeUntil": "2025-01-01T00:00:00Z",
            }}),
            "deleteRelation" => json!({"id": self.relation_to_delete(app, fresh).await}),
            "createTag" => json!({"input": {
                "name": format!("tag {n}"), "group": "grp", "color": "#1f77b4", "description": "d",
            }}),
            "createTagGroup" => json!({"input": {
                "name": format!("group {n}"), "mode": "SINGLE", "description": "d",
            }}),
            "renameTag" => json!({
                "name": self.tag(app, hostile != "name", n).await, "newName": format!("renamed{n}"),
            }),
            "deleteTag" => json!({"name": self.tag(app, hostile != "name", n).await}),
            "renameTagGroup" => json!({
                "name": self.tag_group(app, hostile != "name", n).await,
                "newName": format!("renamed group {n}"),
            }),
            "deleteTagGroup" => json!({
                "name": self.tag_group(app, hostile != "name", n).await, "force": true,
            }),
            "tagFactSheet" => json!({"id": b, "tags": ["pci", format!("tag{n}")]}),
            "untagFactSheet" => json!({"id": b, "tags": ["pci"]}),
            "subscribe" => json!({"input": {
                "factSheetId": b, "user": format!("u{n}@acme.test"), "role": "OBSERVER",
            }}),
            "unsubscribe" => json!({"id": self.subscription(app, fresh, n).await}),
            "addFactSheetType" => json!({"input": {
                "key": format!("T{n}"), "label": "T", "description": "d",
                "attributes": [definition("one", "SINGLE_SELECT")], "rollUp": [],
            }}),
            "updateFactSheetType" => {
                json!({"input": {"key": "Meta", "label": "Meta", "description": "d"}})
            }
            "removeFactSheetType" => json!({"key": self.fact_sheet_type(app, fresh, n).await}),
            "addAttributeDefinition" => json!({
                "owner": {"factSheetType": "Meta"}, "definition": definition(&format!("x{n}"), "STRING"),
            }),
            "updateAttributeDefinition" => json!({
                "owner": {"factSheetType": "Meta"}, "definition": definition("upd", "STRING"),
            }),
            "removeAttributeDefinition" => json!({
                "owner": {"factSheetType": "Meta"}, "key": self.attribute(app, fresh, n).await,
            }),
            "addRelationType" => json!({"input": link_type(&format!("link{n}"), "Meta")}),
            "updateRelationType" => json!({"input": link_type("metaLink", "Meta")}),
            "removeRelationType" => json!({"key": self.relation_type(app, fresh, n).await}),
            "renameAttributeOption" => json!({
                "factSheetType": "Meta",
                "attribute": self.select_attribute(app, hostile != "attribute", n).await,
                "from": "a", "to": "c", "label": "C",
            }),
            "setRollUp" => json!({
                "factSheetType": "Meta",
                "rollUp": [{"relationType": "metaLink", "direction": "OUTGOING"}],
            }),
            "setPerformanceBands" => json!({"bands": null}),
            "createApiToken" if hostile == "input" || hostile.starts_with("input.expiresAt") => {
                let at = chrono::Utc::now() + chrono::Duration::days(30);
                json!({"input": {"name": format!("tok{n}"), "role": "MEMBER", "expiresAt": at.to_rfc3339()}})
            }
            "createApiToken" => {
                json!({"input": {"name": format!("tok{n}"), "role": "MEMBER", "ttl": "30d"}})
            }
            "revokeApiToken" => json!({"id": self.api_token(app, fresh, n).await}),
            "setWebhookSecret" => json!({"provider": "GITHUB", "secret": format!("secret{n}")}),
            "metaModelVersions" | "tags" | "tagGroups" | "viewer" | "apiTokens"
            | "workspaceFeatures" => json!({}),
            "unlinkedEventSources" => json!({"first": 2}),
            "changes" => json!({
                "filter": {
                    "since": "2024-01-01T00:00:00Z", "until": "2999-01-01T00:00:00Z",
                    "kinds": ["CREATED", "META_MODEL_CHANGED"], "types": ["Sandbox"],
                    "actors": ["admin@acme"],
                },
                "first": 2,
            }),
            "landscapeDiff" => json!({
                "from": "2024-01-01T00:00:00Z", "to": "2025-01-01T00:00:00Z",
                "filter": {
                    "ids": [b], "types": ["Sandbox"], "search": "sandbox", "tags": ["pci"],
                    "attributes": {"sText": "hello"}, "status": "ACTIVE",
                },
            }),
            "componentUsage" => json!({
                "purl": "pkg:maven/org.apache.logging.log4j/log4j-core",
                "versionRange": "vers:maven/>=2.0.0|<2.15.0",
                "first": 2,
            }),
            "advisory" => json!({"id": "CVE-2021-44228"}),
            "savedViews" => json!({}),
            "savedView" => json!({"id": self.saved_view(app, fresh, n).await}),
            "createSavedView" => json!({"input": saved_view_input(n)}),
            "updateSavedView" => {
                let mut input = saved_view_input(n);
                input["id"] = json!(self.saved_view(app, fresh, n).await);
                json!({"input": input})
            }
            "deleteSavedView" => json!({"id": self.saved_view(app, fresh, n).await}),
            "factSheetAggregate" => json!({
                "filter": {"types": ["SoftwareArtifact"]},
                "groupBy": [
                    {"path": [{"type": "teamOwnsArtifact", "direction": "INCOMING"}]},
                    {"attribute": "lifecycle"},
                ],
                "measures": [
                    {"function": "SUM", "attribute": "monthlyCost", "path": [{"type": "artifactRunsOn"}]},
                    {"function": "AVG_COMPLETION"},
                ],
                "sort": {"measure": 0, "direction": "DESC"},
                "limit": 10,
            }),
            other => {
                panic!("no valid arguments for `{other}`: add them to the hostile-input fixture")
            }
        }
    }

    /// Valid arguments for a field with arguments of the fact sheet `factSheet` returns.
    pub fn nested_arguments(&self, field: &str) -> Value {
        match field {
            "children" | "history" => json!({"first": 2}),
            "relations" => json!({"type": "sandboxLink", "direction": "BOTH", "first": 2}),
            "events" => json!({"first": 2, "types": ["dev.wayfinder.change"]}),
            "components" => json!({
                "first": 2,
                "filter": {"search": "log4j", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core", "direct": true},
            }),
            "vulnerabilities" => {
                json!({"first": 2, "severities": ["CRITICAL", "HIGH"], "status": "OPEN"})
            }
            other => panic!("no valid arguments for `FactSheet.{other}`: add them"),
        }
    }

    pub fn fact_sheet(&self) -> &str {
        &self.a
    }

    /// Keeps the meta model small, as every later call reads and copies it: takes out what a
    /// successful call added, and the fresh target a refused removal left. (What an update or a
    /// `set` changed, the next call's valid arguments set back.)
    pub async fn undo(&self, app: &TestApp, operation: &str, arguments: &Value, done: bool) {
        let remove_type = "mutation($k: String!) { removeFactSheetType(key: $k) { __typename } }";
        let remove_link =
            "mutation($k: String!) { removeRelationType(key: $k, force: true) { __typename } }";
        let remove_attribute = "mutation($o: AttributeOwnerInput!, $k: String!) { removeAttributeDefinition(owner: $o, key: $k, force: true) { __typename } }";
        let key = |value: &Value| value.as_str().map(|k| json!({"k": k}));
        let meta = json!({"factSheetType": "Meta"});
        let undo = match (operation, done) {
            ("addFactSheetType", true) => key(&arguments["input"]["key"]).map(|v| (remove_type, v)),
            ("addRelationType", true) => key(&arguments["input"]["key"]).map(|v| (remove_link, v)),
            ("addAttributeDefinition", true) => arguments["definition"]["key"]
                .as_str()
                .map(|k| (remove_attribute, json!({"o": arguments["owner"], "k": k}))),
            ("removeFactSheetType", false) => key(&arguments["key"]).map(|v| (remove_type, v)),
            ("removeRelationType", false) => key(&arguments["key"]).map(|v| (remove_link, v)),
            ("renameAttributeOption", _) => arguments["attribute"]
                .as_str()
                .map(|k| (remove_attribute, json!({"o": meta, "k": k}))),
            ("removeAttributeDefinition", false) => arguments["key"]
                .as_str()
                .map(|k| (remove_attribute, json!({"o": meta, "k": k}))),
            _ => None,
        };
        if let Some((query, variables)) = undo {
            // A hostile key was refused and left nothing behind; its refusal here is fine.
            app.run(query, variables).await;
        }
        if operation.ends_with("SavedView") {
            self.delete_saved_views(app).await;
        }
    }

    /// Deletes every view the admin sees. The fixture keeps none between calls, so a run
    /// of thousands of calls that each save or leave a view stays far below the workspace's
    /// limit on views, as real use does.
    async fn delete_saved_views(&self, app: &TestApp) {
        let views = app.data("{ savedViews { id } }", json!({})).await;
        for view in views["savedViews"].as_array().unwrap() {
            app.data(
                "mutation($id: ID!) { deleteSavedView(id: $id) { id } }",
                json!({"id": view["id"]}),
            )
            .await;
        }
    }

    async fn sandbox(&self, app: &TestApp, fresh: bool) -> String {
        if !fresh {
            return self.b.clone();
        }
        let name = format!("fresh {}", self.counter.fetch_add(1, Ordering::Relaxed));
        id(app
            .data(CREATE, json!({"i": {"type": "Sandbox", "name": name}}))
            .await)
    }

    async fn relation_to_delete(&self, app: &TestApp, fresh: bool) -> String {
        if !fresh {
            return self.relation.clone();
        }
        let to = self.sandbox(app, true).await;
        id(app
            .data(
                "mutation($i: CreateRelationInput!) { createRelation(input: $i) { relation { id } } }",
                json!({"i": {"type": "sandboxLink", "fromId": self.a, "toId": to}}),
            )
            .await)
    }

    async fn subscription(&self, app: &TestApp, fresh: bool, n: usize) -> String {
        if !fresh {
            return self.a.clone();
        }
        let data = app
            .data(
                "mutation($i: SubscribeInput!) { subscribe(input: $i) { subscription { id } } }",
                json!({"i": {"factSheetId": self.a, "user": format!("s{n}@acme.test"), "role": "OBSERVER"}}),
            )
            .await;
        data["subscribe"]["subscription"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn saved_view(&self, app: &TestApp, fresh: bool, n: usize) -> String {
        if !fresh {
            return self.a.clone();
        }
        let data = app
            .data(
                "mutation($input: CreateSavedViewInput!) { createSavedView(input: $input) { savedView { id } } }",
                json!({"input": saved_view_input(n)}),
            )
            .await;
        data["createSavedView"]["savedView"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn api_token(&self, app: &TestApp, fresh: bool, n: usize) -> String {
        if !fresh {
            return self.a.clone();
        }
        let data = app
            .data(
                "mutation($n: String!) { createApiToken(input: {name: $n, role: VIEWER, ttl: \"1d\"}) { apiToken { id } } }",
                json!({"n": format!("revoked {n}")}),
            )
            .await;
        data["createApiToken"]["apiToken"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn fact_sheet_type(&self, app: &TestApp, fresh: bool, n: usize) -> String {
        let key = format!("Gone{n}");
        if fresh {
            app.data(
                "mutation($i: FactSheetTypeInput!) { addFactSheetType(input: $i) { __typename } }",
                json!({"i": {"key": key, "label": "gone"}}),
            )
            .await;
        }
        key
    }

    async fn attribute(&self, app: &TestApp, fresh: bool, n: usize) -> String {
        let key = format!("gone{n}");
        if fresh {
            app.data(
                "mutation($d: AttributeDefinitionInput!) { addAttributeDefinition(owner: {factSheetType: \"Meta\"}, definition: $d) { __typename } }",
                json!({"d": definition(&key, "STRING")}),
            )
            .await;
        }
        key
    }

    /// A select attribute of `Meta` with options `a` and `b`, for an option to be renamed in.
    async fn select_attribute(&self, app: &TestApp, fresh: bool, n: usize) -> String {
        let key = format!("pick{n}");
        if fresh {
            app.data(
                "mutation($d: AttributeDefinitionInput!) { addAttributeDefinition(owner: {factSheetType: \"Meta\"}, definition: $d) { __typename } }",
                json!({"d": definition(&key, "SINGLE_SELECT")}),
            )
            .await;
        }
        key
    }

    /// A tag B carries, for renaming or deleting.
    async fn tag(&self, app: &TestApp, fresh: bool, n: usize) -> String {
        let name = format!("tidy{n}");
        if fresh {
            app.data(
                "mutation($id: ID!, $t: [String!]!) { tagFactSheet(id: $id, tags: $t) { __typename } }",
                json!({"id": self.b, "t": [name]}),
            )
            .await;
        }
        name
    }

    /// A tag group holding one tag, for renaming or deleting.
    async fn tag_group(&self, app: &TestApp, fresh: bool, n: usize) -> String {
        let name = format!("tidy group {n}");
        if fresh {
            app.data(
                "mutation($g: String!, $t: String!) { createTagGroup(input: {name: $g}) { __typename } createTag(input: {name: $t, group: $g}) { __typename } }",
                json!({"g": name, "t": format!("tidy member {n}")}),
            )
            .await;
        }
        name
    }

    async fn relation_type(&self, app: &TestApp, fresh: bool, n: usize) -> String {
        let key = format!("goneLink{n}");
        if fresh {
            app.data(
                "mutation($i: RelationTypeInput!) { addRelationType(input: $i) { __typename } }",
                json!({"i": link_type(&key, "Meta")}),
            )
            .await;
        }
        key
    }
}

/// `arguments` without the optional parts of `input` that cost writes (attributes, external IDs,
/// tags, parent) unless the hostile value goes into them: they are valid anyway, and leaving
/// them out makes each call cheaper. All of them stay while the slots are being listed.
fn only_near(hostile: &str, mut arguments: Value) -> Value {
    if hostile.is_empty() || hostile == "input" {
        return arguments;
    }
    let input = arguments["input"].as_object_mut().unwrap();
    for optional in ["attributes", "externalIds", "tags", "parentId"] {
        let path = format!("input.{optional}");
        if hostile != path && !hostile.starts_with(&format!("{path}.")) {
            input.remove(optional);
        }
    }
    arguments
}

/// The id in a payload of one root field (`{ createX: { x: { id } } }`).
fn id(data: Value) -> String {
    let payload = data.as_object().unwrap().values().next().unwrap();
    let object = payload.as_object().unwrap().values().next().unwrap();
    object["id"].as_str().unwrap().to_owned()
}

/// A saved view with every kind of input a view takes.
fn saved_view_input(n: usize) -> Value {
    json!({
        "name": format!("view {n}"), "visibility": "WORKSPACE",
        "filter": {"types": ["Sandbox"], "search": "s"},
        "columns": [
            {"field": "NAME", "label": "Name"},
            {"metric": {"figure": "LEAD_TIME", "last": "P30D"}},
        ],
        "orderBy": {"field": "NAME", "direction": "ASC"},
    })
}
