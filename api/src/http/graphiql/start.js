// Starts GraphiQL once the shared login (`login.js`) has a token, so every request, the first
// schema introspection included, carries `Authorization: Bearer …`.
(function () {
  'use strict';

  // Shown in a new tab instead of GraphiQL's generic welcome: a query that answers in any
  // workspace and shows what the inventory holds.
  var FIRST_QUERY = [
    '# Wayfinder. The book icon on the left documents every field.',
    '# Run with Ctrl-Enter.',
    '{',
    '  viewer { workspace role }',
    '  factSheets(first: 10) {',
    '    totalCount',
    '    facets { types { key count } }',
    '    edges {',
    '      node { type name completion relations { totalCount } }',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');

  var editor = document.getElementById('graphiql');
  var root = null;

  window.WayfinderLogin.start({
    open: function (session) {
      editor.hidden = false;
      var fetcher = window.GraphiQL.createFetcher({
        url: '/graphql',
        headers: { Authorization: 'Bearer ' + session.jwt },
        fetch: session.fetch,
      });
      root = window.ReactDOM.createRoot(editor);
      root.render(
        window.React.createElement(window.GraphiQL, {
          fetcher: fetcher,
          defaultQuery: FIRST_QUERY,
        })
      );
    },
    close: function () {
      if (root) {
        root.unmount();
        root = null;
      }
      editor.hidden = true;
    },
  });
})();
