// Routes between the dashboard's views by the address fragment (`#/`, `#/teams`,
// `#/team/<id>`, `#/quality`) once the shared login has a session. Whatever goes wrong, a
// refused query or a script error, is written into the visible `#problems` box rather than
// only to the console.
(function () {
  'use strict';

  var dashboard = document.getElementById('dashboard');
  var view = document.getElementById('view');
  var problems = document.getElementById('problems');
  var session = null;
  // Which navigation is current, so an earlier, slower view never replaces a later one.
  var generation = 0;

  function report(message) {
    problems.textContent += (problems.textContent ? '\n' : '') + message;
    problems.hidden = false;
  }

  window.addEventListener('error', function (event) {
    report('Error: ' + event.message);
  });
  window.addEventListener('unhandledrejection', function (event) {
    report('Error: ' + ((event.reason && event.reason.message) || event.reason));
  });

  function route() {
    if (!session) {
      return;
    }
    var parts = window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
    var name = parts[0] || 'overview';
    var render = window.Dashboard.views[name];
    var mine = ++generation;
    problems.textContent = '';
    problems.hidden = true;
    view.removeAttribute('data-view');
    if (!render) {
      view.replaceChildren();
      report('There is no page ' + window.location.hash + '.');
      return;
    }
    view.replaceChildren(window.Dashboard.el('p', { class: 'muted' }, ['Loading…']));
    render(session, parts.slice(1).map(decodeURIComponent)).then(
      function (node) {
        if (mine === generation) {
          view.replaceChildren(node);
          // Says the view is complete: every query answered and rendered.
          view.setAttribute('data-view', name);
        }
      },
      function (error) {
        if (mine === generation) {
          view.replaceChildren();
          report('Could not load this page: ' + error.message);
        }
      }
    );
  }

  window.WayfinderLogin.start({
    open: function (opened) {
      session = opened;
      dashboard.hidden = false;
      route();
    },
    close: function () {
      session = null;
      generation++;
      dashboard.hidden = true;
      view.replaceChildren();
    },
  });
  window.addEventListener('hashchange', route);
})();
