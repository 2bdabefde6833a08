// The login the browser pages share (GraphiQL, the dashboard): a page calls
// `WayfinderLogin.start({open, close})` once; `open(session)` runs with a logged-in session and
// `close()` before the login field comes back.
//
// The token comes from `#token=…` in the address (then removed from the address bar, so it is
// not bookmarked, copied or kept in the history), from the login field, or from this tab's
// sessionStorage (a reload keeps it; closing the tab forgets it; the pages share it, so moving
// from one to the other in a tab stays logged in). An API token is exchanged at `/auth/token`
// for a short-lived access token first, and only that is kept. A token the server refuses, at
// once or later with a 401, brings back the login field with the server's words.
(function () {
  'use strict';

  var STORAGE_KEY = 'wayfinder.token';

  // The token in the address, removed from it; the rest of the fragment (a dashboard route such
  // as `#/team/<id>&token=…`) stays as it was.
  function tokenFromAddress() {
    var token = null;
    var rest = window.location.hash
      .slice(1)
      .split('&')
      .filter(function (part) {
        if (part.indexOf('token=') === 0) {
          token = decodeURIComponent(part.slice('token='.length));
          return false;
        }
        return part !== '';
      })
      .join('&');
    if (token === null) {
      return null;
    }
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

  function start(page) {
    var login = document.getElementById('login');
    var loginMessage = document.getElementById('login-message');
    var tokenField = document.getElementById('login-token');
    var sessionBar = document.getElementById('session');
    var sessionLabel = document.getElementById('session-label');
    var logOutButton = document.getElementById('log-out');
    var current = null;

    function showLogin(message) {
      current = null;
      window.sessionStorage.removeItem(STORAGE_KEY);
      page.close();
      sessionBar.hidden = true;
      login.hidden = false;
      loginMessage.textContent = message || '';
      loginMessage.hidden = !message;
      tokenField.value = '';
      tokenField.focus();
    }

    // Fetches as the page asks, watching for a 401 to the token in use: it expired or was
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

    // The `data` of a GraphQL request with `jwt`, or an error with the server's first message.
    function graphqlWith(jwt) {
      var fetch = fetchWith(jwt);
      return function (query, variables) {
        return fetch('/graphql', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + jwt },
          body: JSON.stringify({ query: query, variables: variables || {} }),
          credentials: 'omit',
        }).then(function (response) {
          return readJson(response).then(function (body) {
            if (body && body.errors && body.errors.length) {
              throw new Error(body.errors[0].message);
            }
            if (!response.ok || !body || !body.data) {
              throw new Error('the server answered HTTP ' + response.status);
            }
            return body.data;
          });
        });
      };
    }

    function open(jwt) {
      var claimed = claims(jwt);
      if (typeof claimed.exp === 'number' && claimed.exp * 1000 <= Date.now()) {
        showLogin('the token expired at ' + new Date(claimed.exp * 1000).toLocaleString());
        return;
      }
      page.close();
      current = jwt;
      window.sessionStorage.setItem(STORAGE_KEY, jwt);
      sessionLabel.textContent =
        'Workspace ' + (claimed.workspace || '?') + ', role ' + (claimed.role || '?') +
        (typeof claimed.exp === 'number'
          ? ', until ' + new Date(claimed.exp * 1000).toLocaleString()
          : '');
      login.hidden = true;
      sessionBar.hidden = false;
      page.open({ jwt: jwt, claims: claimed, fetch: fetchWith(jwt), graphql: graphqlWith(jwt) });
    }

    function logIn(token) {
      accessToken(token).then(open, function (error) {
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

    var first = tokenFromAddress() || window.sessionStorage.getItem(STORAGE_KEY);
    if (first) {
      logIn(first);
    } else {
      showLogin('');
    }
  }

  window.WayfinderLogin = { start: start };
})();
