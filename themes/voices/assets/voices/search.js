// Site search over Pagefind's JavaScript API, on the search page only. The
// index is part of the built site (/pagefind/); nothing is requested from
// any other host. Without JavaScript the form stays hidden and the page
// links to the story list; if the index cannot be loaded (this run built
// none), the page says so and keeps that link. Results are written with
// textContent: nothing from the index is parsed as HTML. The query never
// enters the URL, so it stays out of the browser's history (a reader at
// risk may share the device).
(function () {
  var box = document.querySelector('[data-search]');
  if (!box) return;
  var form = box.querySelector('[data-search-form]');
  var input = form.querySelector('input');
  var status = box.querySelector('[data-search-status]');
  var list = box.querySelector('[data-search-results]');
  var fallback = box.querySelector('[data-search-fallback]');
  var bundle = box.getAttribute('data-bundle');
  var pagefind = null;

  function load() {
    if (!pagefind) {
      var url = bundle + 'pagefind.js';
      pagefind = import(url).then(function (pf) {
        return pf.options({ basePath: bundle }).then(function () { return pf; });
      });
    }
    return pagefind;
  }

  function say(msg) { status.textContent = msg; }

  function render(results) {
    list.textContent = '';
    results.forEach(function (d) {
      var li = document.createElement('li');
      var h = document.createElement('h2');
      var a = document.createElement('a');
      a.href = d.url;
      a.textContent = (d.meta && d.meta.title) || d.url;
      h.appendChild(a);
      li.appendChild(h);
      var p = document.createElement('p');
      // plain_excerpt is text; never the HTML excerpt.
      p.textContent = d.plain_excerpt || '';
      li.appendChild(p);
      list.appendChild(li);
    });
  }

  function run(q) {
    q = q.trim();
    if (!q) return;
    say(box.getAttribute('data-msg-loading'));
    load().then(function (pf) {
      return pf.search(q);
    }).then(function (search) {
      return Promise.all(search.results.slice(0, 20).map(function (r) { return r.data(); }));
    }).then(function (data) {
      render(data);
      say(data.length ? box.getAttribute('data-msg-count').replace('{n}', String(data.length)) : box.getAttribute('data-msg-none'));
    }).catch(function () {
      list.textContent = '';
      form.hidden = true;
      fallback.hidden = false;
      say(box.getAttribute('data-msg-unavailable'));
    });
  }

  form.hidden = false;
  fallback.hidden = true;
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    run(input.value);
  });
})();
