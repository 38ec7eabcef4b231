/* Redirector outbound tracker. <script src="BASE/t.js" data-site="KEY" defer></script>
   Same-site hosts: the page's own host and data-hosts="a.com .b.com" (a leading dot adds subdomains). */
(function () {
  "use strict";
  var s = document.currentScript;
  if (!s || window.redirector) return;
  var key = s.getAttribute("data-site") || "";
  var src = new URL(s.src, location.href);
  var base = src.origin + src.pathname.replace(/\/[^/]*$/, "");
  var own = (location.hostname + " " + (s.getAttribute("data-hosts") || "")).toLowerCase().split(/[\s,]+/).filter(Boolean);
  var e = encodeURIComponent;

  function mine(h) {
    return own.some(function (o) {
      return o[0] === "." ? h === o.slice(1) || h.slice(-o.length) === o : h === o;
    });
  }
  function page() { return location.href.split("#")[0]; }
  function out(url, text) {
    text = (text || "").replace(/\s+/g, " ").trim().slice(0, 255);
    return base + "/out?site=" + e(key) + "&url=" + e(url) + "&from=" + e(page()) + (text ? "&text=" + e(text) : "");
  }
  function outbound(a) {
    if (!a || a.hasAttribute("data-redirector-ignore")) return false;
    var u;
    try { u = new URL(a.href); } catch (x) { return false; }
    return (u.protocol === "http:" || u.protocol === "https:") && u.origin !== src.origin && !mine(u.hostname);
  }
  // A short link is counted by the redirect, whose source page is the Referer: browsers send another origin only
  // this page's origin unless the link asks for more. A policy the page set itself (on the link or in a meta tag) stands.
  var ownPolicy = !!document.querySelector("meta[name=referrer]");
  function shortLink(a) {
    if (!a || ownPolicy || a.hasAttribute("referrerpolicy")) return false;
    try { return new URL(a.href).origin === src.origin; } catch (x) { return false; }
  }
  // Rewriting at activation (press, middle/ctrl-click, Enter, touch) keeps target and rel as the page set them.
  function activate(ev) {
    if (ev.type === "keydown" && ev.key !== "Enter") return;
    var a = ev.target && ev.target.closest && ev.target.closest("a[href]");
    if (outbound(a)) a.href = out(a.href, a.innerText || a.textContent || a.title);
    else if (shortLink(a)) a.referrerPolicy = "no-referrer-when-downgrade";
  }
  ["mousedown", "auxclick", "touchstart", "click", "keydown"].forEach(function (t) {
    document.addEventListener(t, activate, true);
  });

  window.redirector = {
    trackOutbound: function (url, text) { location.href = out(new URL(url, location.href).href, text); }
  };

  var body = JSON.stringify({ site: key, url: page() });
  if (!(navigator.sendBeacon && navigator.sendBeacon(base + "/pv", body)))
    fetch(base + "/pv", { method: "POST", body: body, keepalive: true, mode: "no-cors" }).catch(function () {});
})();
