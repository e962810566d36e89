// Quick exit, after the GOV.UK "Exit this page" component: the link works
// without JavaScript; with it, activating the link or pressing Shift three
// times within 5 seconds hides the page at once and replaces the current
// history entry, so Back does not return here. Shift presses that are part of
// typing (a capital letter) do not count. While the reader is counting, the
// status says how many presses remain (shown beside the button and read by
// screen readers); otherwise it is empty and hidden.
(function () {
  var box = document.querySelector('[data-quick-exit]');
  if (!box) return;
  var link = box.querySelector('a');
  var status = box.querySelector('[data-quick-exit-status]');
  var presses = 0;
  var timer = 0;
  var typing = false;

  function exit(event) {
    if (event) event.preventDefault();
    document.documentElement.classList.add('quick-exit--leaving');
    if (status) status.textContent = box.getAttribute('data-msg-leaving');
    document.title = '…';
    window.location.replace(link.href);
  }

  function reset() {
    presses = 0;
    box.removeAttribute('data-presses');
    if (status) status.textContent = '';
  }

  link.addEventListener('click', exit);
  document.addEventListener('keyup', function (event) {
    if ((event.key === 'Shift' || event.keyCode === 16) && !typing) {
      presses += 1;
      box.setAttribute('data-presses', String(presses));
      clearTimeout(timer);
      if (presses >= 3) {
        exit();
        return;
      }
      if (status) status.textContent = box.getAttribute(presses === 1 ? 'data-msg-first' : 'data-msg-second');
      timer = setTimeout(reset, 5000);
    }
    typing = event.shiftKey;
  }, true);
  // A page restored from the back/forward cache must not stay hidden.
  window.addEventListener('pageshow', function () {
    document.documentElement.classList.remove('quick-exit--leaving');
    reset();
  });
})();
