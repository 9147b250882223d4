// The index's search: names and aliases of search-index.js, matched as typed (any case, any
// accents), best matches first. Plain script: the site opens from file://, with no server.
(function () {
  "use strict";
  var entries = window.FLOWS_SEARCH_INDEX || [];
  var box = document.getElementById("q");
  var list = document.getElementById("results");
  var status = document.getElementById("search-status");
  var LIMIT = 50;
  var ALIASES = 6;

  function fold(s) {
    return s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  entries.forEach(function (e) {
    e.folded = [e.name].concat(e.aliases).map(fold);
  });

  function rank(e, q) {  // 0: a name begins with the query, 1: a word does, 2: it is inside; -1: no match
    var best = -1;
    e.folded.forEach(function (name) {
      var at = name.indexOf(q);
      if (at < 0) return;
      var r = at === 0 ? 0 : (/[^a-z0-9]/.test(name.charAt(at - 1)) ? 1 : 2);
      if (best < 0 || r < best) best = r;
    });
    return best;
  }

  function show(query) {
    var q = fold(query.trim());
    list.textContent = "";
    if (!q) { status.textContent = ""; return; }
    var found = [];
    entries.forEach(function (e) {
      var r = rank(e, q);
      if (r >= 0) found.push([r, e]);
    });
    found.sort(function (a, b) { return a[0] - b[0] || a[1].name.localeCompare(b[1].name); });
    status.textContent = found.length + (found.length === 1 ? " match" : " matches") +
      (found.length > LIMIT ? ", the first " + LIMIT + " shown" : "");
    found.slice(0, LIMIT).forEach(function (pair) {
      var e = pair[1];
      var li = document.createElement("li");
      li.className = "result";
      li.dataset.id = e.id;
      var a = document.createElement("a");
      a.href = e.page;
      a.textContent = e.name;
      li.appendChild(a);
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = " " + e.kind;
      li.appendChild(kind);
      // Every other name, those that match first, at most ALIASES of them.
      var matching = e.aliases.filter(function (x) { return fold(x).indexOf(q) >= 0; });
      var others = e.aliases.filter(function (x) { return fold(x).indexOf(q) < 0; });
      var aliases = matching.concat(others);
      if (aliases.length) {
        var also = document.createElement("span");
        also.className = "aliases";
        also.textContent = " also: " + aliases.slice(0, ALIASES).join("; ") +
          (aliases.length > ALIASES ? "; …" : "");
        li.appendChild(also);
      }
      list.appendChild(li);
    });
  }

  box.addEventListener("input", function () { show(box.value); });
  var asked = new URLSearchParams(window.location.search).get("q");  // index.html?q=shahed
  if (asked) { box.value = asked; }
  show(box.value);
})();
