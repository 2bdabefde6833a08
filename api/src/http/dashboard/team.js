// A team's page: what it owns and what that connects to (products, APIs, cloud resources, as
// the meta model's relations say), its DORA four keys with their levels over the last twelve
// ISO weeks with deployments per week as a chart, and its open vulnerabilities. The list of
// teams links to each.
(function () {
  'use strict';

  var D = window.Dashboard;
  var el = D.el;
  var WEEKS = 12;
  // Owned fact sheets asked for their relations at a time, to stay well inside the query
  // complexity limit.
  var CHUNK = 10;

  var TEAMS = [
    'query DashboardTeams {',
    '  factSheets(filter: {types: ["Team"]}, first: 500) {',
    '    totalCount',
    '    edges { node { id type name completion relations(direction: OUTGOING, first: 1) { totalCount } } }',
    '  }',
    '}',
  ].join('\n');

  var TEAM = [
    'query DashboardTeam($id: ID!, $window: MetricWindowInput!) {',
    '  factSheet(id: $id) {',
    '    id type name description',
    '    owned: relations(direction: OUTGOING, first: 500) {',
    '      edges { node { type to { id type name } } }',
    '    }',
    '    metrics(window: $window) {',
    '      deploymentFrequency { deployments deploymentDays deploymentDaysPerWeek level buckets { start deployments } }',
    '      leadTime { stats { count p50Seconds } level }',
    '      changeFailureRate { deployments failedDeployments rate level }',
    '      failedDeploymentRecoveryTime { stats { count p50Seconds } openCount level }',
    '    }',
    '    vulnerabilitySummary { critical high medium low unknown total affectedArtifacts }',
    '  }',
    '  metaModel { factSheetTypes { key label } relationTypes { key label } }',
    '}',
  ].join('\n');

  var CONNECTED = [
    'query DashboardConnected($ids: [ID!]) {',
    '  factSheets(filter: {ids: $ids}, first: ' + CHUNK + ') {',
    '    edges { node { id relations(first: 100) { edges { node {',
    '      type from { id type name } to { id type name }',
    '    } } } } }',
    '  }',
    '}',
  ].join('\n');

  // The last `WEEKS` ISO weeks in UTC, this one included: whole weeks, so there are exactly
  // that many buckets.
  function window12Weeks(now) {
    var monday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
    var from = new Date(monday.getTime() - (WEEKS - 1) * 7 * 86400000);
    var to = new Date(monday.getTime() + 7 * 86400000);
    return { from: from.toISOString(), to: to.toISOString(), bucket: 'WEEK', timeZone: 'UTC' };
  }

  function chunks(list, size) {
    var out = [];
    for (var i = 0; i < list.length; i += size) {
      out.push(list.slice(i, i + size));
    }
    return out;
  }

  // The relations of every owned fact sheet, one request per chunk of them.
  function connections(session, owned) {
    var ids = owned.map(function (factSheet) {
      return factSheet.id;
    });
    return Promise.all(
      chunks(ids, CHUNK).map(function (chunk) {
        return session.graphql(CONNECTED, { ids: chunk });
      })
    ).then(function (answers) {
      var relations = [];
      answers.forEach(function (data) {
        data.factSheets.edges.forEach(function (edge) {
          edge.node.relations.edges.forEach(function (relation) {
            relations.push(relation.node);
          });
        });
      });
      return relations;
    });
  }

  // Fact sheets by type: those the team's relations reach, then those their relations reach
  // (the team and what it reaches directly left out), each once, with every relation that
  // brought it in.
  function group(team, direct, relations, labels) {
    var byType = {};
    var owned = {};
    function describe(relation) {
      return relation.from.name + ' ' + (labels[relation.type] || relation.type) + ' ' + relation.to.name;
    }
    function add(factSheet, how) {
      var list = (byType[factSheet.type] = byType[factSheet.type] || {});
      var entry = (list[factSheet.id] = list[factSheet.id] || { factSheet: factSheet, how: [] });
      if (entry.how.indexOf(how) < 0) {
        entry.how.push(how);
      }
    }
    direct.forEach(function (relation) {
      owned[relation.to.id] = true;
      add(relation.to, describe(relation));
    });
    relations.forEach(function (relation) {
      [relation.from, relation.to].forEach(function (end) {
        if (end.id !== team.id && !owned[end.id]) {
          add(end, describe(relation));
        }
      });
    });
    return byType;
  }

  function fourKeys(metrics) {
    var frequency = metrics.deploymentFrequency;
    var lead = metrics.leadTime;
    var failure = metrics.changeFailureRate;
    var recovery = metrics.failedDeploymentRecoveryTime;
    function key(title, figureKey, value, detail, levelValue) {
      return el('div', { class: 'key' }, [
        el('div', {}, [title]),
        el('div', { class: 'value' }, [D.figure(figureKey, value)]),
        el('div', { class: 'muted' }, [detail]),
        D.level(figureKey + '.level', levelValue),
      ]);
    }
    return el('div', { class: 'keys' }, [
      key(
        'Deployment frequency',
        'deploymentFrequency',
        frequency.deployments,
        'deployments; ' +
          (frequency.deploymentDaysPerWeek === null ? 'no complete week' : frequency.deploymentDaysPerWeek + ' deployment days a week (median)'),
        frequency.level
      ),
      key('Lead time for changes', 'leadTime', D.duration(lead.stats.p50Seconds), 'median of ' + lead.stats.count + ' changes', lead.level),
      key(
        'Change failure rate',
        'changeFailureRate',
        failure.rate === null ? 'no data' : D.percent(failure.rate),
        failure.failedDeployments + ' of ' + failure.deployments + ' deployments failed',
        failure.level
      ),
      key(
        'Failed deployment recovery time',
        'recovery',
        D.duration(recovery.stats.p50Seconds),
        'median of ' + recovery.stats.count + ' recoveries; ' + recovery.openCount + ' open',
        recovery.level
      ),
    ]);
  }

  function vulnerabilities(summary) {
    var rows = ['critical', 'high', 'medium', 'low', 'unknown'].map(function (severity) {
      return [
        el('span', { class: 'severity-' + severity }, [severity]),
        D.figure('vulnerabilities.' + severity, summary[severity]),
      ];
    });
    return D.card('Open vulnerabilities', [
      el('p', { class: 'total' }, [D.figure('vulnerabilities.total', summary.total)]),
      el('p', { class: 'muted' }, [
        'in ',
        D.figure('vulnerabilities.affectedArtifacts', summary.affectedArtifacts),
        ' artifacts',
      ]),
      D.table(['Severity', '#Open'], rows),
    ]);
  }

  D.views.teams = function (session) {
    return session.graphql(TEAMS).then(function (data) {
      var rows = data.factSheets.edges.map(function (edge) {
        var team = edge.node;
        return [D.nameOf(team, 'team.name'), D.figure('team.relations', team.relations.totalCount), D.percent(team.completion)];
      });
      return el('div', {}, [
        el('h1', {}, ['Teams']),
        D.card('Teams (' + data.factSheets.totalCount + ')', [
          D.table(['Team', '#Relations it starts', '#Completion'], rows),
        ], true),
      ]);
    });
  };

  D.views.team = function (session, parameters) {
    var span = window12Weeks(new Date());
    return session.graphql(TEAM, { id: parameters[0], window: span }).then(function (data) {
      var team = data.factSheet;
      if (!team) {
        throw new Error('there is no fact sheet ' + parameters[0] + ' in this workspace');
      }
      var relationLabels = {};
      data.metaModel.relationTypes.forEach(function (type) {
        relationLabels[type.key] = type.label;
      });
      var typeLabels = {};
      data.metaModel.factSheetTypes.forEach(function (type) {
        typeLabels[type.key] = type.label;
      });
      var owned = team.owned.edges.map(function (edge) {
        return edge.node.to;
      });
      return connections(session, owned).then(function (relations) {
        var direct = team.owned.edges.map(function (edge) {
          return { type: edge.node.type, from: team, to: edge.node.to };
        });
        var byType = group(team, direct, relations, relationLabels);
        // What the team owns first, then the rest in the meta model's order of types.
        var order = owned
          .map(function (factSheet) {
            return factSheet.type;
          })
          .concat(Object.keys(typeLabels));
        var buckets = team.metrics.deploymentFrequency.buckets;
        return el('div', {}, [
          el('h1', {}, [D.figure('team.name', team.name)]),
          team.description ? el('p', { class: 'muted' }, [team.description]) : null,
          el('div', { class: 'cards' }, [
            D.card('DORA four keys', [
              el('p', { class: 'muted' }, [
                'The ' + WEEKS + ' ISO weeks from ' + D.day(span.from) + ' (UTC), this one included.',
              ]),
              fourKeys(team.metrics),
            ], true),
            D.card('Deployments per week', [D.barChart(buckets)], true),
            vulnerabilities(team.vulnerabilitySummary),
          ].concat(relatedCards(byType, typeLabels, order))),
        ]);
      });
    });
  };

  function relatedCards(byType, typeLabels, order) {
    var types = Object.keys(byType).sort(function (a, b) {
      var ia = order.indexOf(a);
      var ib = order.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
    });
    return types.map(function (type) {
      var entries = Object.keys(byType[type])
        .map(function (id) {
          return byType[type][id];
        })
        .sort(function (a, b) {
          return a.factSheet.name.localeCompare(b.factSheet.name);
        });
      var rows = entries.map(function (entry) {
        return [D.nameOf(entry.factSheet, 'related.' + type + '.name'), entry.how.join('; ')];
      });
      return D.card(typeLabels[type] || type, [
        el('p', { class: 'muted' }, [D.figure('related.' + type, entries.length), ' in all']),
        D.table(['Name', 'Through'], rows),
      ]);
    });
  }
})();
