(function () {
  "use strict";
  // The picker of `deckbuilder serve`: every entry of the vault as a card, filtered live
  // by the rules of deckbuilder/picks.py (tests compare the two), and the talk's slide
  // items beside them. Every change is one POST /__deckbuilder/edit with this run's
  // token and the hash of the spec as last read; the server edits the spec file only.
  var P = "/__deckbuilder/";
  var ID = 0, NOTE = 1, LINE = 2, KEY = 3, TAGS = 4, CAPTION = 5, SOURCE = 6, IMAGES = 7;
  var ROW_H = 292, MIN_W = 210, GAP = 12, PAD = 12, OVERSCAN = 2;
  var token = document.querySelector('meta[name="deckbuilder-token"]').content;
  var $ = function (id) { return document.getElementById(id); };
  var grid = $("grid"), space = $("space"), list = $("items");

  var entries = [], notes = [], generation = -1, tagsOf = [];
  var matched = {text: null, set: null};   // the server's answer for the text box
  var spec = null;              // the spec's state from /spec.json
  var view = [];                // entry numbers shown, in order
  var chosen = {};              // tag -> true: the chips pressed
  var shownAt = {};             // entry number -> its position in the talk (1-based)
  var pickOf = {};              // entry number -> the image item that names it
  var cards = new Map();        // view position -> card element (only the visible ones)
  var cols = 1, cardW = MIN_W, focusAt = 0, deckSlide = null, busy = false;
  var seq = 0;                  // the latest spec request: an older answer is dropped
  var editing = false;          // a caption is being typed: the talk list waits

  // ------------------------------------------------------------ the rules of picks.py

  function hasTag(tags, tag) {
    // picks.has_tag: case-insensitive, '#' optional, a tag also matches those below it.
    tag = tag.toLowerCase().replace(/^#+/, "").replace(/^\/+|\/+$/g, "");
    var below = tag + "/";
    for (var i = 0; i < tags.length; i++) {
      if (tags[i] === tag || tags[i].lastIndexOf(below, 0) === 0) return true;
    }
    return false;
  }

  function matching(text) {
    // `match` is searched by the server with picks.filter itself (Python's regex
    // dialect, in the notes too, which the page does not load): a promise of a Set.
    if (!text) return Promise.resolve(null);
    if (matched.text === text) return Promise.resolve(matched.set);
    return getJSON("match?q=" + encodeURIComponent(text)).then(function (r) {
      if (r.error) say(r.error, true);
      matched = {text: text, set: new Set(r.entries || [])};
      return matched.set;
    });
  }

  function compile(c, found) {
    // c: {tags: [...], from: "YYYY-MM-DD", to: "YYYY-MM-DD"}, as a select; found: the
    // entries the text matches (null: no text).
    var tags = c.tags || [], from = c.from || "", to = c.to || "";
    return function (i) {
      var e = entries[i];
      if (tags.length && !tags.some(function (t) { return hasTag(tagsOf[i], t); })) return false;
      if (from || to) {   // inclusive days; an undated entry is never in a range
        var day = e[KEY].slice(0, 10);
        if (!day || (from && day < from) || (to && day > to)) return false;
      }
      return found === null || found.has(i);
    };
  }

  function filter(c, found) {
    var test = compile(c, found === undefined ? null : found), out = [];
    for (var i = 0; i < entries.length; i++) if (test(i)) out.push(i);
    return out;
  }

  function ordered(found, order) {
    // picks.ordered: note order as read; by date oldest first, undated last (stable).
    if (order === "note") return found;
    var dated = found.filter(function (i) { return entries[i][KEY]; });
    dated.sort(function (a, b) {
      var x = entries[a][KEY], y = entries[b][KEY];
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    return dated.concat(found.filter(function (i) { return !entries[i][KEY]; }));
  }

  // ------------------------------------------------------------ loading

  function getJSON(name) {
    return fetch(P + name, {cache: "no-store"}).then(function (r) { return r.json(); });
  }

  function loadEntries() {
    return getJSON("entries.json").then(function (data) {
      entries = data.entries;
      notes = data.notes;
      generation = data.generation;
      matched = {text: null, set: null};
      tagsOf = entries.map(function (e) { return e[TAGS].map(function (t) { return t.toLowerCase(); }); });
    });
  }

  function loadSpec() {
    var mine = ++seq;
    return getJSON("spec.json").then(function (state) {
      var again = state.generation !== generation ? loadEntries() : Promise.resolve();
      return again.then(function () { if (mine === seq) return setSpec(state); });
    });
  }

  function setSpec(state) {
    spec = state;
    shownAt = {};
    pickOf = {};
    var n = 0;
    state.items.forEach(function (item) {
      item.entries.forEach(function (i) { if (!(i in shownAt)) shownAt[i] = ++n; });
      if (item.kind === "image" && item.entries.length) pickOf[item.entries[0]] = item;
    });
    $("mode").textContent = state.error ? "(" + state.error + ")" :
      state.editable ? "" : "(read-only)";
    if (!editing) renderTalk();
    return refresh();
  }

  // ------------------------------------------------------------ filters and chips

  function criteria() {
    return {tags: Object.keys(chosen), from: $("from").value, to: $("to").value,
      match: $("q").value};
  }

  var refreshes = 0;
  function refresh() {
    var mine = ++refreshes, c = criteria();
    return matching(c.match).then(function (found) {
      if (mine === refreshes) show(c, found);
    });
  }

  function show(c, found) {
    view = ordered(filter(c, found), $("order").value);
    $("count").textContent = view.length + " of " + entries.length + " entries";
    renderChips(filter({from: c.from, to: c.to}, found));
    focusAt = Math.min(focusAt, Math.max(view.length - 1, 0));
    cards.forEach(function (el) { el.remove(); });
    cards.clear();
    layout();
  }

  function renderChips(pool) {
    var counts = {};
    pool.forEach(function (i) {
      var seen = {};
      tagsOf[i].forEach(function (t) {
        var parts = t.split("/");
        for (var k = 1; k <= parts.length; k++) seen[parts.slice(0, k).join("/")] = true;
      });
      Object.keys(seen).forEach(function (t) { counts[t] = (counts[t] || 0) + 1; });
    });
    Object.keys(chosen).forEach(function (t) { counts[t] = counts[t] || 0; });
    var box = $("chips");
    box.textContent = "";
    Object.keys(counts).sort().forEach(function (t) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "chip";
      b.dataset.tag = t;
      b.setAttribute("aria-pressed", chosen[t] ? "true" : "false");
      b.textContent = "#" + t;
      var n = document.createElement("span");
      n.className = "n";
      n.textContent = counts[t];
      b.appendChild(n);
      box.appendChild(b);
    });
  }

  // ------------------------------------------------------------ the virtual grid

  function layout() {
    var width = grid.clientWidth - 2 * PAD;
    cols = Math.max(1, Math.floor((width + GAP) / (MIN_W + GAP)));
    cardW = (width - GAP * (cols - 1)) / cols;
    space.style.height = (Math.ceil(view.length / cols) * ROW_H + PAD) + "px";
    render();
    loadImages();
  }

  // While the grid scrolls, cards pass by too fast to be worth a thumbnail: pictures
  // are asked for once it has rested, for the cards then in view.
  function loadImages() {
    cards.forEach(function (el) {
      var img = el.querySelector("img[data-src]");
      if (img) { img.src = img.dataset.src; img.removeAttribute("data-src"); }
    });
  }

  function render() {
    var top = grid.scrollTop, h = grid.clientHeight || 600;
    var first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    var last = Math.ceil((top + h) / ROW_H) + OVERSCAN;
    var lo = first * cols, hi = Math.min(view.length, last * cols);
    cards.forEach(function (el, at) {
      if (at < lo || at >= hi) { el.remove(); cards.delete(at); }
    });
    for (var at = lo; at < hi; at++) {
      if (!cards.has(at)) {
        var el = card(at);
        cards.set(at, el);
        space.appendChild(el);
      }
    }
  }

  function thumb(i, k) {
    return P + "thumb/" + generation + "/" + i + "/" + (k || 0);
  }

  function text(tag, cls, value) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = value;
    return el;
  }

  function card(at) {
    var i = view[at], e = entries[i];
    var el = document.createElement("div");
    el.className = "card" + (i in shownAt ? " in" : "");
    el.dataset.at = at;
    el.dataset.id = e[ID];
    el.setAttribute("role", "button");
    el.tabIndex = at === focusAt ? 0 : -1;
    el.style.width = cardW + "px";
    el.style.height = (ROW_H - GAP) + "px";
    el.style.transform = "translate(" + (PAD + (at % cols) * (cardW + GAP)) + "px," +
      (PAD + Math.floor(at / cols) * ROW_H) + "px)";
    var pic = document.createElement("div");
    pic.className = "pic";
    if (e[IMAGES].indexOf(1) >= 0) {
      var img = document.createElement("img");
      img.alt = "";
      img.decoding = "async";
      img.dataset.src = thumb(i, e[IMAGES].indexOf(1));
      pic.appendChild(img);
    } else {
      pic.appendChild(text("span", "none", "no picture"));
    }
    if (i in shownAt) pic.appendChild(text("span", "badge", "#" + shownAt[i]));
    el.appendChild(pic);
    var body = document.createElement("div");
    body.className = "body";
    body.appendChild(text("p", "cap", e[CAPTION] || e[ID]));
    body.appendChild(text("p", "meta", (e[KEY] ? e[KEY].slice(0, 10) + " · " : "") +
      notes[e[NOTE]] + ":" + e[LINE]));
    body.appendChild(text("p", "tags", e[TAGS].map(function (t) { return "#" + t; }).join(" ")));
    if (e[SOURCE]) body.appendChild(text("p", "src", e[SOURCE]));
    el.appendChild(body);
    el.setAttribute("aria-label", (i in shownAt ? "in the talk as #" + shownAt[i] + ": " : "") +
      (e[CAPTION] || e[ID]) + ", " + notes[e[NOTE]] + ":" + e[LINE]);
    return el;
  }

  function focusCard(at) {
    if (!view.length) return;
    focusAt = Math.max(0, Math.min(view.length - 1, at));
    var row = Math.floor(focusAt / cols), y = PAD + row * ROW_H;
    if (y < grid.scrollTop) grid.scrollTop = y - PAD;
    else if (y + ROW_H > grid.scrollTop + grid.clientHeight) grid.scrollTop = y + ROW_H - grid.clientHeight;
    render();
    loadImages();
    cards.forEach(function (el, k) { el.tabIndex = k === focusAt ? 0 : -1; });
    cards.get(focusAt).focus();
  }

  function choose(at) {
    var i = view[at];
    if (i === undefined) return;
    if (i in shownAt) { flashItemOf(i); return; }
    var index = null;
    if (document.querySelector('input[name="at"]:checked').value === "slide") index = afterDeckSlide();
    edit({op: "add", image: entries[i][ID], index: index},
      "added " + (entries[i][CAPTION] || entries[i][ID]));
  }

  function afterDeckSlide() {
    if (deckSlide === null || !spec.slides || deckSlide >= spec.slides.length) return null;
    var line = spec.slides[deckSlide];
    for (var k = 0; k < spec.items.length; k++) if (spec.items[k].line === line) return k + 1;
    return null;
  }

  // ------------------------------------------------------------ the talk

  function label(item) {
    var v = item.value;
    if (item.kind === "section") return "Section: " + v;
    if (item.kind === "text") return "Text: " + String(v).split("\n")[0];
    if (item.kind === "closing" && v) return "Closing: " + String(v).split("\n")[0];
    if (item.kind === "select") {
      return "select " + Object.keys(v || {}).map(function (k) {
        return k + ": " + (Array.isArray(v[k]) ? v[k].join(", ") : v[k]);
      }).join(" · ");
    }
    return item.kind;
  }

  function renderTalk() {
    var focused = document.activeElement && document.activeElement.dataset ?
      document.activeElement.dataset.index : undefined;
    list.textContent = "";
    spec.items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "item";
      li.tabIndex = 0;
      li.dataset.index = item.index;
      li.dataset.kind = item.kind;
      if (spec.editable) {
        var handle = text("span", "handle", "⠿");
        handle.title = "Drag to move";
        handle.setAttribute("aria-hidden", "true");
        li.appendChild(handle);
      }
      if (item.kind === "image") imageRow(li, item);
      else if (item.kind === "select") groupRow(li, item);
      else {
        li.classList.add("fixed");
        li.appendChild(text("span", "what", label(item)));
      }
      if (!item.ok) li.classList.add("bad");
      list.appendChild(li);
    });
    if (focused !== undefined) focusItem(+focused);
  }

  function imageRow(li, item) {
    var i = item.entries[0], e = i === undefined ? null : entries[i];
    if (e) {
      var img = document.createElement("img");
      img.alt = "";
      img.src = thumb(i, Math.max(0, e[IMAGES].indexOf(1)));
      li.appendChild(img);
    }
    var what = document.createElement("div");
    what.className = "what";
    var caption = item.caption || (e ? e[CAPTION] : "") || String(item.value);
    var p = text("p", item.caption ? "cap over" : "cap", (i in shownAt ? "#" + shownAt[i] + " " : "") + caption);
    if (item.caption) p.title = "caption set in the spec";
    what.appendChild(p);
    what.appendChild(text("p", "sub", "line " + item.line + (e ? " · " + notes[e[NOTE]] + ":" + e[LINE] :
      " · no such entry: " + item.value)));
    li.appendChild(what);
    li.setAttribute("aria-label", "Slide item " + (item.index + 1) + ": " + caption);
    if (spec.editable) {
      li.appendChild(button("Caption", "caption", "Set this slide's caption (Enter)"));
      li.appendChild(button("Remove", "remove", "Remove from the talk (Delete)"));
    }
  }

  function groupRow(li, item) {
    li.classList.add("group");
    li.appendChild(text("span", "what", label(item) + " — " + item.entries.length + " entries"));
    var members = document.createElement("div");
    members.className = "members";
    item.entries.slice(0, 40).forEach(function (i) {
      var img = document.createElement("img");
      img.alt = entries[i][CAPTION];
      img.title = "#" + shownAt[i] + " " + entries[i][CAPTION];
      img.src = thumb(i, Math.max(0, entries[i][IMAGES].indexOf(1)));
      members.appendChild(img);
    });
    if (item.entries.length > 40) members.appendChild(text("span", "", "+" + (item.entries.length - 40)));
    li.appendChild(members);
    li.setAttribute("aria-label", "Slide item " + (item.index + 1) + ": " + label(item) +
      ", " + item.entries.length + " entries");
  }

  function button(name, action, title) {
    var b = text("button", "", name);
    b.type = "button";
    b.dataset.action = action;
    b.title = title;
    b.tabIndex = -1;    // the row is the stop; its keys do the same
    return b;
  }

  function focusItem(index) {
    var li = list.querySelector('[data-index="' + index + '"]');
    if (li) li.focus();
    return li;
  }

  function flashItemOf(i) {
    var line = null;
    spec.items.forEach(function (item) { if (line === null && item.entries.indexOf(i) >= 0) line = item.index; });
    var li = line === null ? null : focusItem(line);
    if (li) {
      li.classList.add("flash");
      setTimeout(function () { li.classList.remove("flash"); }, 900);
      say("already in the talk as #" + shownAt[i]);
    }
  }

  function editCaption(li) {
    var item = spec.items[+li.dataset.index], what = li.querySelector(".what");
    if (!item || item.kind !== "image" || !what) return;
    var e = entries[item.entries[0]];
    var input = document.createElement("input");
    input.className = "caption";
    input.value = item.caption || (e ? e[CAPTION] : "");
    input.setAttribute("aria-label", "Caption of this slide (Enter saves, Escape cancels, empty: the note's own)");
    what.replaceWith(input);
    editing = true;
    input.focus();
    input.select();
    var done = false;
    function finish(save) {
      if (done) return;
      done = true;
      editing = false;
      var value = input.value.trim();
      if (save && value !== (item.caption || (e ? e[CAPTION] : ""))) {
        var own = e && value === e[CAPTION];
        edit({op: "caption", index: item.index, caption: own || !value ? null : value},
          value && !own ? "caption set" : "caption back to the note's own").then(function () {
          if (input.isConnected) { renderTalk(); focusItem(item.index); }   // not written
        });
      } else {
        renderTalk();
        focusItem(item.index);
      }
    }
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); finish(true); }
      else if (ev.key === "Escape") { ev.preventDefault(); finish(false); }
      ev.stopPropagation();
    });
    input.addEventListener("blur", function () { finish(false); });
  }

  // ------------------------------------------------------------ writing

  function say(message, error) {
    var box = $("notice");
    box.textContent = message;
    box.className = "on" + (error ? " err" : "");
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { box.className = ""; }, error ? 6000 : 2500);
  }

  function edit(op, done) {
    if (!spec || !spec.editable || busy) return Promise.resolve();
    busy = true;
    ++seq;
    op.hash = spec.hash;
    var focusTo = op.op === "move" ? op.to : op.op === "remove" ? Math.max(0, op.index - 1) : op.index;
    return fetch(P + "edit", {method: "POST", cache: "no-store",
      headers: {"Content-Type": "application/json", "X-Deckbuilder-Token": token},
      body: JSON.stringify(op)}).then(function (r) {
      return r.json().then(function (body) { return {status: r.status, body: body}; });
    }).then(function (r) {
      busy = false;
      if (r.status === 409) {   // an editor saved the spec meanwhile: it wins
        sessionStorage.setItem("deckbuilder-picker-notice", r.body.error);
        location.reload();
        return;
      }
      if (r.status !== 200) { say(r.body.error || "the edit failed", true); return; }
      setSpec(r.body);
      if (op.op === "add" && op.index === null) focusTo = null;
      if (focusTo !== null && focusTo !== undefined && op.op !== "add") focusItem(focusTo);
      say(done);
    }, function () { busy = false; say("the preview is not answering", true); });
  }

  // ------------------------------------------------------------ events

  var resting = null;
  grid.addEventListener("scroll", function () {
    if (!render.queued) {
      render.queued = true;
      requestAnimationFrame(function () { render.queued = false; render(); });
    }
    clearTimeout(resting);
    resting = setTimeout(loadImages, 120);
  }, {passive: true});
  window.addEventListener("resize", function () { cards.forEach(function (el) { el.remove(); }); cards.clear(); layout(); });

  // Tab into the grid lands on the card last focused, even after it scrolled away.
  grid.addEventListener("focus", function (ev) {
    if (ev.target === grid && !(ev.relatedTarget && grid.contains(ev.relatedTarget))) focusCard(focusAt);
  });
  space.addEventListener("click", function (ev) {
    var el = ev.target.closest(".card");
    if (el) { focusAt = +el.dataset.at; choose(+el.dataset.at); }
  });
  space.addEventListener("keydown", function (ev) {
    var el = ev.target.closest(".card");
    if (!el) return;
    var at = +el.dataset.at, moves = {ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols,
      PageDown: cols * 3, PageUp: -cols * 3};
    if (ev.key in moves) focusCard(at + moves[ev.key]);
    else if (ev.key === "Home") focusCard(0);
    else if (ev.key === "End") focusCard(view.length - 1);
    else if (ev.key === "Enter" || ev.key === " ") choose(at);
    else if (ev.key === "Delete" && pickOf[view[at]]) edit({op: "remove", index: pickOf[view[at]].index}, "removed");
    else return;
    ev.preventDefault();
  });

  $("chips").addEventListener("click", function (ev) {
    var b = ev.target.closest(".chip");
    if (!b) return;
    if (chosen[b.dataset.tag]) delete chosen[b.dataset.tag]; else chosen[b.dataset.tag] = true;
    var tag = b.dataset.tag;
    refresh().then(function () {
      var again = $("chips").querySelector('[data-tag="' + CSS.escape(tag) + '"]');
      if (again) again.focus();
    });
  });
  var typing = null;
  $("q").addEventListener("input", function () { clearTimeout(typing); typing = setTimeout(refresh, 80); });
  ["from", "to", "order"].forEach(function (id) { $(id).addEventListener("change", refresh); });

  list.addEventListener("click", function (ev) {
    var b = ev.target.closest("button"), li = ev.target.closest(".item");
    if (!b || !li) return;
    if (b.dataset.action === "remove") edit({op: "remove", index: +li.dataset.index}, "removed");
    else if (b.dataset.action === "caption") editCaption(li);
  });
  list.addEventListener("keydown", function (ev) {
    var li = ev.target.closest(".item");
    if (!li || ev.target !== li) return;
    var index = +li.dataset.index, n = spec.items.length;
    if (ev.altKey && (ev.key === "ArrowUp" || ev.key === "ArrowDown")) {
      var to = index + (ev.key === "ArrowUp" ? -1 : 1);
      if (to >= 0 && to < n) edit({op: "move", index: index, to: to}, "moved to place " + (to + 1));
    } else if (ev.key === "ArrowUp" || ev.key === "ArrowDown") {
      focusItem(index + (ev.key === "ArrowUp" ? -1 : 1));
    } else if ((ev.key === "Enter" || ev.key === "F2") && li.dataset.kind === "image") {
      editCaption(li);
    } else if ((ev.key === "Delete" || ev.key === "Backspace") && li.dataset.kind === "image") {
      edit({op: "remove", index: index}, "removed");
    } else return;
    ev.preventDefault();
  });

  // Dragging a slide item by its handle (pointer events: mouse, pen and touch alike).
  var drag = null;
  list.addEventListener("pointerdown", function (ev) {
    var handle = ev.target.closest(".handle"), li = ev.target.closest(".item");
    if (!handle || !li || !spec.editable || ev.button !== 0) return;
    drag = {li: li, from: +li.dataset.index, y: ev.clientY, slot: null, on: false};
    handle.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  list.addEventListener("pointermove", function (ev) {
    if (!drag) return;
    if (!drag.on && Math.abs(ev.clientY - drag.y) < 4) return;
    drag.on = true;
    drag.li.classList.add("dragging");
    var rows = list.querySelectorAll(".item"), slot = rows.length;
    for (var k = 0; k < rows.length; k++) {
      var r = rows[k].getBoundingClientRect();
      if (ev.clientY < r.top + r.height / 2) { slot = k; break; }
    }
    rows.forEach(function (row) { row.classList.remove("drop-before", "drop-after"); });
    if (slot < rows.length) rows[slot].classList.add("drop-before");
    else rows[rows.length - 1].classList.add("drop-after");
    drag.slot = slot;
  });
  function endDrag(ev) {
    if (!drag) return;
    var d = drag;
    drag = null;
    list.querySelectorAll(".item").forEach(function (row) {
      row.classList.remove("drop-before", "drop-after", "dragging");
    });
    if (!d.on || d.slot === null || ev.type === "pointercancel") return;
    var to = d.slot > d.from ? d.slot - 1 : d.slot;
    if (to !== d.from) edit({op: "move", index: d.from, to: to}, "moved to place " + (to + 1));
  }
  list.addEventListener("pointerup", endDrag);
  list.addEventListener("pointercancel", endDrag);

  // The deck, open in another tab, says which slide it shows (livereload.js).
  if (window.BroadcastChannel) {
    var channel = new BroadcastChannel("deckbuilder-deck");
    channel.onmessage = function (ev) {
      if (typeof ev.data.slide !== "number") return;
      deckSlide = ev.data.slide;
      $("deck-slide").textContent = "(slide " + (deckSlide + 1) + ")";
    };
    channel.postMessage({ask: true});
  }

  // A new build (the spec or a note saved, by us or an editor): read the spec again.
  var events = new EventSource(P + "events"), attempt = -1;
  events.addEventListener("status", function (ev) {
    var s = JSON.parse(ev.data);
    if (s.attempt !== attempt && attempt !== -1) loadSpec();
    attempt = s.attempt;
  });

  var notice = sessionStorage.getItem("deckbuilder-picker-notice");
  if (notice) { sessionStorage.removeItem("deckbuilder-picker-notice"); say(notice, true); }

  window.deckbuilderPicker = {
    ready: false,
    // What the page shows for criteria {tags, from, to, match}: a promise of entry ids.
    filter: function (c) {
      return matching(c.match).then(function (found) {
        return filter(c, found).map(function (i) { return entries[i][ID]; });
      });
    },
    ordered: function (c, order) {
      return matching(c.match).then(function (found) {
        return ordered(filter(c, found), order).map(function (i) { return entries[i][ID]; });
      });
    },
    visibleCards: function () { return cards.size; }
  };
  // When each part of opening was done (ms since navigation; benchmarks/bench_picker.py).
  var timings = window.deckbuilderPicker.timings = {};
  loadEntries().then(function () {
    timings.entries = performance.now();
    return loadSpec();
  }).then(function () {
    timings.shown = performance.now();
    window.deckbuilderPicker.ready = true;
    if (!spec.editable) $("mode").textContent = "(read-only)";
  });
})();
