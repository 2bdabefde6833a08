// Starts GraphiQL with the caller's token, so every request, the first schema introspection
// included, carries `Authorization: Bearer …`.
//
// The token comes from `#token=…` in the address (then removed from the address bar, so it is
// not bookmarked, copied or kept in the history), from the login field, or from this tab's
// sessionStorage (a reload keeps it; closing the tab forgets it). An API token is exchanged at
// `/auth/token` for a short-lived access token first, and only that is kept. A token the server
// refuses brings back the login field with the server's words.
(function () {
  'use strict';

  var STORAGE_KEY = 'wayfinder.graphiql.token';

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

  var login = document.getElementById('login');
  var loginMessage = document.getElementById('login-message');
  var tokenField = document.getElementById('login-token');
  var session = document.getElementById('session');
  var sessionLabel = document.getElementById('session-label');
  var logOutButton = document.getElementById('log-out');
  var editor = document.getElementById('graphiql');
  var root = null;
  var current = null;

  function tokenFromAddress() {
    var fragment = new URLSearchParams(window.location.hash.slice(1));
    var token = fragment.get('token');
    if (token === null) {
      return null;
    }
    fragment.delete('token');
    var rest = fragment.toString();
    var address = window.location.pathname + window.location.search + (rest ? '#' + rest : '');
    window.history.replaceState(null, '', address);
    return token.trim();
  }

  function isJwt(token) {
    return token.split('.').length === 3;
  }

  function claims(jwt) {
    try {
      var payload = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      while (payload.length % 4) {
        payload += '=';
      }
      return JSON.parse(window.atob(payload)) || {};
    } catch (error) {
      return {};
    }
  }

  function refusal(body, status) {
    var message = body && body.errors && body.errors[0] && body.errors[0].message;
    return message || 'the server refused the token (HTTP ' + status + ')';
  }

  function readJson(response) {
    return response.json().catch(function () {
      return null;
    });
  }

  // The access token for `token`: itself when it is one, else what `/auth/token` gives for it.
  function accessToken(token) {
    if (isJwt(token)) {
      return Promise.resolve(token);
    }
    return window
      .fetch('/auth/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: token }),
        credentials: 'omit',
      })
      .then(function (response) {
        return readJson(response).then(function (body) {
          if (response.ok && body && body.access_token) {
            return body.access_token;
          }
          throw new Error(refusal(body, response.status));
        });
      });
  }

  function showLogin(message) {
    current = null;
    window.sessionStorage.removeItem(STORAGE_KEY);
    if (root) {
      root.unmount();
      root = null;
    }
    editor.hidden = true;
    session.hidden = true;
    login.hidden = false;
    loginMessage.textContent = message || '';
    loginMessage.hidden = !message;
    tokenField.value = '';
    tokenField.focus();
  }

  // Fetches as GraphiQL asks, with `jwt`; a 401 for the token in use means it expired or was
  // revoked since, so the login field comes back.
  function fetchWith(jwt) {
    return function (url, options) {
      return window.fetch(url, options).then(function (response) {
        if (response.status === 401 && current === jwt) {
          readJson(response.clone()).then(function (body) {
            if (current === jwt) {
              showLogin(refusal(body, response.status));
            }
          });
        }
        return response;
      });
    };
  }

  function showEditor(jwt) {
    var claimed = claims(jwt);
    if (typeof claimed.exp === 'number' && claimed.exp * 1000 <= Date.now()) {
      showLogin('the token expired at ' + new Date(claimed.exp * 1000).toLocaleString());
      return;
    }
    if (root) {
      root.unmount();
    }
    current = jwt;
    window.sessionStorage.setItem(STORAGE_KEY, jwt);
    sessionLabel.textContent =
      'Workspace ' + (claimed.workspace || '?') + ', role ' + (claimed.role || '?') +
      (typeof claimed.exp === 'number'
        ? ', until ' + new Date(claimed.exp * 1000).toLocaleString()
        : '');
    login.hidden = true;
    session.hidden = false;
    editor.hidden = false;
    var fetcher = window.GraphiQL.createFetcher({
      url: '/graphql',
      headers: { Authorization: 'Bearer ' + jwt },
      fetch: fetchWith(jwt),
    });
    root = window.ReactDOM.createRoot(editor);
    root.render(
      window.React.createElement(window.GraphiQL, {
        fetcher: fetcher,
        defaultQuery: FIRST_QUERY,
      })
    );
  }

  function logIn(token) {
    accessToken(token).then(showEditor, function (error) {
      showLogin(error.message);
    });
  }

  login.addEventListener('submit', function (event) {
    event.preventDefault();
    var token = tokenField.value.trim();
    if (token) {
      logIn(token);
    }
  });
  logOutButton.addEventListener('click', function () {
    showLogin('');
  });
  window.addEventListener('hashchange', function () {
    var token = tokenFromAddress();
    if (token) {
      logIn(token);
    }
  });

  var start = tokenFromAddress() || window.sessionStorage.getItem(STORAGE_KEY);
  if (start) {
    logIn(start);
  } else {
    showLogin('');
  }
})();
