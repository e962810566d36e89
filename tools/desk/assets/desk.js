// The desk's only script. Every page works without it; it adds:
// - quick exit, after the public theme's (GOV.UK "Exit this page"): the
//   link, or Esc or Shift pressed 3 times within 5 seconds, hides the page
//   at once and replaces this history entry, so Back does not return here;
// - show/hide for secret phrases;
// - the idle warning, and the move to sign-in when the session has ended;
// - autosave of the story form, a few seconds after typing stops and on
//   leaving a field; nothing is kept in browser storage.
(function () {
  'use strict';
  var box = document.querySelector('[data-quick-exit]');
  if (box) {
    var link = box.querySelector('a');
    var status = box.querySelector('[data-quick-exit-status]');
    var counts = { Escape: 0, Shift: 0 };
    var timer = 0;
    var typing = false;
    var exit = function (event) {
      if (event) event.preventDefault();
      document.documentElement.classList.add('leaving');
      if (status) status.textContent = box.getAttribute('data-msg-leaving');
      document.title = '\u2026';
      window.location.replace(link.href);
    };
    link.addEventListener('click', exit);
    document.addEventListener('keyup', function (event) {
      var k = event.key;
      if ((k === 'Escape' || (k === 'Shift' && !typing)) && counts[k] !== undefined) {
        counts[k] += 1;
        box.setAttribute('data-presses', String(counts[k]));
        clearTimeout(timer);
        if (counts[k] >= 3) { exit(); return; }
        timer = setTimeout(function () { counts.Escape = 0; counts.Shift = 0; box.removeAttribute('data-presses'); }, 5000);
      }
      typing = event.shiftKey;
    }, true);
    window.addEventListener('pageshow', function () {
      document.documentElement.classList.remove('leaving');
      counts.Escape = 0; counts.Shift = 0;
    });
  }

  document.querySelectorAll('[data-show-phrase]').forEach(function (toggle) {
    toggle.hidden = false;
    var input = toggle.querySelector('input');
    input.addEventListener('change', function () {
      document.querySelectorAll('input[data-phrase]').forEach(function (f) {
        f.type = input.checked ? 'text' : 'password';
      });
    });
  });

  var body = document.body;
  var idle = parseInt(body.getAttribute('data-idle') || '0', 10);
  var warn = parseInt(body.getAttribute('data-warn') || '0', 10);
  var warning = document.querySelector('[data-idle-warning]');
  var idleTimers = [];
  var armIdle = function () {
    idleTimers.forEach(clearTimeout);
    if (!idle) return;
    if (warning) warning.hidden = true;
    idleTimers = [
      setTimeout(function () { if (warning) warning.hidden = false; }, (idle - warn) * 1000),
      setTimeout(function () { window.location.replace('/sign-in?n=expired'); }, idle * 1000)
    ];
  };
  armIdle();
  if (warning) {
    var stay = warning.querySelector('form');
    stay.addEventListener('submit', function (event) {
      event.preventDefault();
      fetch(stay.action, { method: 'POST', headers: { 'X-Desk-Fetch': '1' }, credentials: 'same-origin' })
        .then(function (r) { if (r.ok) armIdle(); });
    });
  }

  var form = document.querySelector('form[data-autosave]');
  if (form) {
    var state = form.querySelector('[data-save-state]');
    var pending = 0, inFlight = false, again = false, stale = false;
    var say = function (attr) { if (state) state.textContent = state.getAttribute(attr); };
    var save = function () {
      clearTimeout(pending);
      // Once the story was saved elsewhere, autosave stops: the Save
      // button shows her what changed, her text kept.
      if (stale) { say('data-msg-stale'); return; }
      // One save at a time: each carries the base the last one returned,
      // so her own autosaves never look like a save from elsewhere.
      if (inFlight) { again = true; return; }
      // A form the server would refuse (a required field still empty)
      // waits: the Save button shows her what is missing.
      if (!form.checkValidity()) { say('data-msg-unsaved'); return; }
      say('data-msg-saving');
      inFlight = true;
      var done = function () { inFlight = false; if (again) { again = false; save(); } };
      fetch(form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)),
        headers: { 'X-Desk-Fetch': '1' }, credentials: 'same-origin' })
        .then(function (r) {
          if (r.status === 204) {
            var base = r.headers.get('X-Desk-Base');
            if (base !== null && form.elements.base) form.elements.base.value = base;
            say('data-msg-saved'); armIdle();
          } else if (r.status === 409) {
            stale = true; say('data-msg-stale');
          } else { say('data-msg-unsaved'); }
          done();
        }, function () { say('data-msg-unsaved'); done(); });
    };
    form.addEventListener('input', function () {
      say('data-msg-unsaved');
      clearTimeout(pending);
      pending = setTimeout(save, 3000);
    });
    form.addEventListener('focusout', function (event) {
      if (event.target.matches('input, textarea')) save();
    });
  }
})();
