// Data quality: the least complete fact sheets, and the software artifacts no team owns.
(function () {
  'use strict';

  var D = window.Dashboard;
  var el = D.el;
  var LOWEST = 20;
  // The demo meta model's ownership: a Team `teamOwnsArtifact` a SoftwareArtifact.
  var OWNED_TYPE = 'SoftwareArtifact';
  var OWNERSHIP = 'teamOwnsArtifact';

  var QUERY = [
    'query DashboardQuality($first: Int!, $unowned: FactSheetFilter!) {',
    '  lowest: factSheets(first: $first, orderBy: {field: COMPLETION, direction: ASC}) {',
    '    edges { node { id type name completion } }',
    '  }',
    '  unowned: factSheets(first: 500, filter: $unowned) {',
    '    totalCount',
    '    edges { node { id type name completion } }',
    '  }',
    '}',
  ].join('\n');

  D.views.quality = function (session) {
    var unowned = { types: [OWNED_TYPE], relations: [{ type: OWNERSHIP, direction: 'INCOMING', exists: false }] };
    return session.graphql(QUERY, { first: LOWEST, unowned: unowned }).then(function (data) {
      var lowest = data.lowest.edges.map(function (edge) {
        var factSheet = edge.node;
        return [
          D.nameOf(factSheet, 'lowest.name'),
          factSheet.type,
          D.figure('lowest.completion', D.percent(factSheet.completion)),
        ];
      });
      var withoutOwner = data.unowned.edges.map(function (edge) {
        var factSheet = edge.node;
        return [D.figure('unowned.name', factSheet.name), D.percent(factSheet.completion)];
      });
      return el('div', {}, [
        el('h1', {}, ['Data quality']),
        el('div', { class: 'cards' }, [
          D.card('Lowest completion', [
            el('p', { class: 'muted' }, ['The ' + LOWEST + ' least complete active fact sheets.']),
            D.table(['Name', 'Type', '#Completion'], lowest),
          ]),
          D.card('Software artifacts without an owner', [
            el('p', { class: 'total' }, [D.figure('unowned', data.unowned.totalCount)]),
            el('p', { class: 'muted' }, ['No team has a ' + OWNERSHIP + ' relation to them.']),
            withoutOwner.length
              ? D.table(['Name', '#Completion'], withoutOwner)
              : el('p', {}, ['Every software artifact has an owner.']),
          ]),
        ]),
      ]);
    });
  };
})();
