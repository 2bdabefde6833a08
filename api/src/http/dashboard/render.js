// What every view of the dashboard builds with: DOM helpers, number formats, and the weekly
// bar chart, drawn as SVG so the page needs no chart library and no inline style.
//
// Every figure a view shows from the API sits in an element with `data-figure="<what>"`, so
// anyone (the browser tests included) can find each number and compare it with the API.
(function () {
  'use strict';

  var SVG = 'http://www.w3.org/2000/svg';

  function append(node, children) {
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) {
        return;
      }
      node.append(typeof child === 'object' ? child : String(child));
    });
    return node;
  }

  // `<tag attributes…>children</tag>`; children are nodes or text.
  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    return append(node, children);
  }

  function svg(tag, attributes, children) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    return append(node, children);
  }

  // A figure from the API, findable by `key`.
  function figure(key, text, tag) {
    return el(tag || 'span', { 'data-figure': key }, [text]);
  }

  function card(title, children, wide) {
    return el('section', { class: wide ? 'card wide' : 'card' }, [el('h2', {}, [title])].concat(children));
  }

  // A table; a heading starting with `#` marks a right-aligned number column.
  function table(headings, rows) {
    var numeric = headings.map(function (heading) {
      return heading.charAt(0) === '#';
    });
    var head = el('tr', {}, headings.map(function (heading, i) {
      return el('th', numeric[i] ? { class: 'number' } : {}, [numeric[i] ? heading.slice(1) : heading]);
    }));
    var body = rows.map(function (cells) {
      return el('tr', {}, cells.map(function (cell, i) {
        return el('td', numeric[i] ? { class: 'number' } : {}, [cell]);
      }));
    });
    return el('table', {}, [el('thead', {}, [head]), el('tbody', {}, body)]);
  }

  // A completion fraction (0..1) as whole percent, the way every view shows it.
  function percent(fraction) {
    return Math.round(fraction * 100) + ' %';
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) {
      return 'no data';
    }
    if (seconds < 3600) {
      return Math.round(seconds / 60) + ' min';
    }
    if (seconds < 2 * 86400) {
      return (seconds / 3600).toFixed(1) + ' h';
    }
    return (seconds / 86400).toFixed(1) + ' d';
  }

  // A DORA performance level (ELITE, HIGH, MEDIUM, LOW), or none when there was too little to rate.
  function level(key, value) {
    var span = figure(key, value || 'not rated');
    span.setAttribute('class', 'level level-' + (value || 'none'));
    return span;
  }

  // A link to a team's page; other fact sheets by name only (they have no page yet).
  function nameOf(factSheet, key) {
    if (factSheet.type === 'Team') {
      return el('a', { href: '#/team/' + encodeURIComponent(factSheet.id), 'data-figure': key }, [factSheet.name]);
    }
    return figure(key, factSheet.name);
  }

  // The UTC date of an RFC 3339 instant, `YYYY-MM-DD`.
  function day(instant) {
    return new Date(instant).toISOString().slice(0, 10);
  }

  // Deployments per bucket as bars, each with its count above it and its week below.
  function barChart(buckets) {
    var width = 720;
    var height = 180;
    var top = 18;
    var bottom = 22;
    var slot = width / Math.max(buckets.length, 1);
    var highest = Math.max.apply(null, buckets.map(function (b) { return b.deployments; }).concat([1]));
    var chart = svg('svg', {
      class: 'chart',
      viewBox: '0 0 ' + width + ' ' + height,
      role: 'img',
      'aria-label': 'Deployments per week',
    });
    buckets.forEach(function (bucket, i) {
      var barHeight = ((height - top - bottom) * bucket.deployments) / highest;
      var x = i * slot + slot * 0.15;
      var y = height - bottom - barHeight;
      var start = day(bucket.start);
      chart.append(
        svg('rect', { class: 'bar', x: x, y: y, width: slot * 0.7, height: barHeight }, [
          svg('title', {}, ['Week of ' + start + ': ' + bucket.deployments + ' deployments']),
        ]),
        svg('text', { class: 'count', x: x + slot * 0.35, y: y - 4, 'data-figure': 'week.' + start }, [
          bucket.deployments,
        ]),
        svg('text', { class: 'week', x: x + slot * 0.35, y: height - 6 }, [start.slice(5)])
      );
    });
    chart.append(svg('line', { class: 'axis', x1: 0, x2: width, y1: height - bottom, y2: height - bottom }));
    return chart;
  }

  window.Dashboard = {
    el: el,
    figure: figure,
    card: card,
    table: table,
    percent: percent,
    duration: duration,
    level: level,
    nameOf: nameOf,
    day: day,
    barChart: barChart,
    // Each view: `function (session, parameters) -> Promise<Node>`, registered by its file.
    views: {},
  };
})();
