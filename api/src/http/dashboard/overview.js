// The inventory overview: how many fact sheets of each type, in each lifecycle phase, and in
// each completion band. Types and bands come from `factSheets` totals and facets; phases from
// `factSheetAggregate` grouped by the lifecycle attribute, counted by the server in one request
// however large the inventory.
(function () {
  'use strict';

  var D = window.Dashboard;
  var el = D.el;

  // Half-open completion bands `[gte, lt)`; the last holds the complete fact sheets.
  var BANDS = [
    { key: '0-25', label: 'Under 25 %', bounds: { lt: 0.25 } },
    { key: '25-50', label: '25 to 50 %', bounds: { gte: 0.25, lt: 0.5 } },
    { key: '50-75', label: '50 to 75 %', bounds: { gte: 0.5, lt: 0.75 } },
    { key: '75-100', label: '75 to 99 %', bounds: { gte: 0.75, lt: 1 } },
    { key: '100', label: 'Complete', bounds: { gte: 1 } },
  ];

  var PHASES = [
    { key: 'plan', label: 'Plan' },
    { key: 'phaseIn', label: 'Phase in' },
    { key: 'active', label: 'Active' },
    { key: 'phaseOut', label: 'Phase out' },
    { key: 'endOfLife', label: 'End of life' },
    { key: 'notStarted', label: 'Not started yet' },
    { key: 'none', label: 'No lifecycle' },
  ];

  // One request for the totals: the whole inventory with its type facet, and one aliased
  // count per completion band.
  function totalsQuery() {
    var bands = BANDS.map(function (band, i) {
      return 'band' + i + ': factSheets(first: 1, filter: {completion: $band' + i + '}) { totalCount }';
    });
    var parameters = BANDS.map(function (band, i) {
      return '$band' + i + ': NumberBoundsInput!';
    });
    return (
      'query DashboardOverview(' + parameters.join(', ') + ') {\n' +
      '  all: factSheets(first: 1) { totalCount facets { types { key label count } } }\n' +
      '  ' + bands.join('\n  ') + '\n' +
      '  metaModel { factSheetTypes { key label attributes { key type } } }\n' +
      '}'
    );
  }

  // One request for the phases: per lifecycle attribute key, one `factSheetAggregate` over
  // the types whose first lifecycle attribute it is, grouped by its phase today (the group of
  // no key holds the fact sheets without a lifecycle).
  function phaseQuery(byKey) {
    var keys = Object.keys(byKey);
    var parameters = keys.map(function (key, i) {
      return '$types' + i + ': [String!]';
    });
    var fields = keys.map(function (key, i) {
      return (
        'phases' + i + ': factSheetAggregate(filter: {types: $types' + i + '}, ' +
        'groupBy: [{attribute: ' + JSON.stringify(key) + '}], measures: [{function: COUNT}]) ' +
        '{ groups { keys { key } count } }'
      );
    });
    return 'query DashboardLifecycles(' + parameters.join(', ') + ') {\n  ' + fields.join('\n  ') + '\n}';
  }

  // Fact sheets of the types in `byKey` (lifecycle attribute key -> types) per phase.
  function phaseCounts(session, byKey) {
    var counts = {};
    PHASES.forEach(function (phase) {
      counts[phase.key] = 0;
    });
    var keys = Object.keys(byKey);
    if (!keys.length) {
      return Promise.resolve(counts);
    }
    var variables = {};
    keys.forEach(function (key, i) {
      variables['types' + i] = byKey[key];
    });
    return session.graphql(phaseQuery(byKey), variables).then(function (data) {
      keys.forEach(function (key, i) {
        data['phases' + i].groups.forEach(function (group) {
          var phase = group.keys[0].key || 'none';
          counts[phase] = (counts[phase] || 0) + group.count;
        });
      });
      return counts;
    });
  }

  function byType(all) {
    var rows = all.facets.types.map(function (type) {
      return [
        el('a', { href: type.key === 'Team' ? '#/teams' : '#/' }, [type.label]),
        D.figure('type.' + type.key, type.count),
      ];
    });
    return D.card('By type', [
      el('p', { class: 'total' }, [D.figure('total', all.totalCount)]),
      el('p', { class: 'muted' }, ['active fact sheets']),
      D.table(['Type', '#Fact sheets'], rows),
    ]);
  }

  function byPhase(counts, types) {
    var rows = PHASES.map(function (phase) {
      return [phase.label, D.figure('lifecycle.' + phase.key, counts[phase.key])];
    });
    return D.card('By lifecycle phase', [
      el('p', { class: 'muted' }, ['Today, of the types with a lifecycle: ' + (types.join(', ') || 'none') + '.']),
      D.table(['Phase', '#Fact sheets'], rows),
    ]);
  }

  function byCompletion(data) {
    var total = Math.max(data.all.totalCount, 1);
    var rows = BANDS.map(function (band, i) {
      var count = data['band' + i].totalCount;
      return [
        band.label,
        D.figure('completion.' + band.key, count),
        el('span', { class: 'meter', 'data-width': Math.round((100 * count) / total) }),
      ];
    });
    return D.card('By completion', [
      D.table(['Completion', '#Fact sheets', 'Share'], rows),
      el('p', { class: 'muted' }, [el('a', { href: '#/quality' }, ['The least complete fact sheets'])]),
    ]);
  }

  D.views.overview = function (session) {
    var variables = {};
    BANDS.forEach(function (band, i) {
      variables['band' + i] = band.bounds;
    });
    return session.graphql(totalsQuery(), variables).then(function (data) {
      var withLifecycle = [];
      var byKey = {};
      data.metaModel.factSheetTypes.forEach(function (type) {
        var lifecycle = type.attributes.filter(function (attribute) {
          return attribute.type === 'LIFECYCLE';
        })[0];
        if (lifecycle) {
          withLifecycle.push(type.key);
          (byKey[lifecycle.key] = byKey[lifecycle.key] || []).push(type.key);
        }
      });
      return phaseCounts(session, byKey).then(function (phases) {
        var view = el('div', {}, [
          el('h1', {}, ['Inventory overview']),
          el('div', { class: 'cards' }, [
            byType(data.all),
            byPhase(phases, withLifecycle),
            byCompletion(data),
          ]),
        ]);
        // Widths through the CSSOM: the policy allows no inline style attribute.
        view.querySelectorAll('.meter').forEach(function (meter) {
          meter.style.width = meter.getAttribute('data-width') + 'px';
        });
        return view;
      });
    });
  };
})();
