(function () {
  "use strict";
  // Added by `deckbuilder serve` only: reload on a new deck, show a failed build's errors.
  var tag = document.currentScript, build = tag ? tag.getAttribute("data-build") : "";
  var box = null;
  function show(errors) {
    if (!errors.length) { if (box) { box.remove(); box = null; } return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "deckbuilder-errors";
      box.title = "Click to hide until the next build";
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:60%;" +
        "overflow:auto;margin:0;padding:16px 20px;z-index:2147483647;background:#fff5f5;" +
        "color:#7f1d1d;border-top:4px solid #dc2626;font:14px/1.45 ui-monospace,monospace;" +
        "white-space:pre-wrap;text-align:left";
      box.addEventListener("click", function () { box.remove(); box = null; });
      document.body.appendChild(box);
    }
    box.textContent = "deckbuilder: the last build failed" +
      (build ? "; this is the last good deck." : ".") + "\n\n" + errors.join("\n");
  }
  // Tell the picker (another tab of this preview) which slide is shown: it can add a
  // picture right after it.
  if (window.BroadcastChannel && window.Reveal && Reveal.on) {
    var channel = new BroadcastChannel("deckbuilder-deck");
    var tell = function () { channel.postMessage({slide: Reveal.getIndices().h}); };
    Reveal.on("slidechanged", tell);
    Reveal.on("ready", tell);
    channel.onmessage = function (e) { if (e.data && e.data.ask && Reveal.isReady()) tell(); };
    if (Reveal.isReady()) tell();
  }
  var events = new EventSource("/__deckbuilder/events");
  events.addEventListener("status", function (e) {
    var s = JSON.parse(e.data);
    if (s.build && s.build !== build) { events.close(); location.reload(); return; }
    show(s.errors);
  });
})();
