// The admin area works as plain HTML; this script only adds comfort. No inline script is needed (the CSP forbids them).

// Copy buttons: any element with data-copy puts that text on the clipboard.
document.addEventListener('click', async (event) => {
  const button = event.target.closest('[data-copy]');
  if (!button) return;
  const text = button.getAttribute('data-copy');
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  if (!button.hasAttribute('data-label')) button.setAttribute('data-label', button.textContent);
  button.classList.add('copied');
  button.textContent = 'Copied ✓';
  setTimeout(() => {
    button.classList.remove('copied');
    button.textContent = button.getAttribute('data-label');
  }, 1500);
});

// The browser's time zone becomes the user's display zone once, when none is set (the account page changes it).
{
  const unset = document.querySelector('[data-time-zone-unset]');
  const token = document.querySelector('form.signout input[name=__RequestVerificationToken]');
  const zone = window.Intl ? Intl.DateTimeFormat().resolvedOptions().timeZone : null;
  if (unset && token && zone) {
    fetch('/admin/account/time-zone', {
      method: 'POST',
      body: new URLSearchParams({ zone, browser: '1', __RequestVerificationToken: token.value }),
    }).then((response) => { if (response.ok) unset.remove(); });
  }
}

// "/" jumps to the search box, as in most web apps, unless the person is typing somewhere.
document.addEventListener('keydown', (event) => {
  if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest('input, textarea, select, [contenteditable]')) return;
  const search = document.querySelector('input[type=search]');
  if (!search) return;
  event.preventDefault();
  search.focus();
});

// Filters apply as soon as a select changes.
document.addEventListener('change', (event) => {
  if (event.target.matches('select[data-autosubmit]')) event.target.form.requestSubmit();
});

// An inline error describes the value that was sent; once the field changes, it no longer applies.
document.addEventListener('input', (event) => {
  const field = event.target.closest('[aria-invalid="true"]');
  if (!field) return;
  field.setAttribute('aria-invalid', 'false');
  field.closest('.field')?.querySelector('.field-error')?.remove();
});

// Live counts: when /admin/live says something was counted (server-sent events), fetch this same page and swap in
// the parts marked data-live (by id). A slow refresh stays the fallback should the stream be cut.
const liveParts = () => document.querySelectorAll('[data-live][id]');
if (liveParts().length > 0) {
  let refreshing = null;
  let again = false;
  const refresh = async () => {
    if (refreshing) { again = true; return; }
    refreshing = (async () => {
      try {
        const response = await fetch(location.href, { headers: { 'X-Live-Refresh': '1' }, credentials: 'same-origin' });
        if (!response.ok || response.redirected) return;
        const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
        for (const part of liveParts()) {
          const next = fresh.getElementById(part.id);
          if (next && next.innerHTML !== part.innerHTML) {
            // The bulk selection lives in this part's checkboxes: a refresh keeps what was ticked.
            const picked = [...part.querySelectorAll('input[type=checkbox][name]:checked')].map((box) => box.value);
            const open = [...part.querySelectorAll('details[open]')].map((d) => d.closest('[id],section')?.querySelector('h2')?.textContent);
            part.innerHTML = next.innerHTML;
            part.querySelectorAll('input[type=checkbox][name]').forEach((box) => { box.checked = picked.includes(box.value); });
            part.querySelectorAll('details').forEach((d) => {
              if (open.includes(d.closest('section')?.querySelector('h2')?.textContent)) d.open = true;
            });
          }
        }
        document.documentElement.dataset.refreshed = String(Date.now());
      } catch {
        // Offline for a moment: the next event or tick tries again.
      }
    })();
    await refreshing;
    refreshing = null;
    if (again) { again = false; refresh(); }
  };
  let first = true;
  const stream = new EventSource('/admin/live');
  stream.onmessage = () => {
    // The first event is the count as the stream (re)opened, which clicks made since the page was rendered (or while
    // the stream was cut) may already have moved: it refreshes too.
    if (first) { first = false; document.documentElement.dataset.live = 'listening'; }
    if (!document.hidden) refresh();
  };
  stream.onerror = () => { first = true; };
  setInterval(() => { if (!document.hidden) refresh(); }, 15000); // StatsReads.RefreshSeconds
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
}

// UTM builder: ask the server for the final destination as the fields change.
const previewForm = document.querySelector('[data-preview-form]');
if (previewForm) {
  const output = previewForm.querySelector('[data-preview]');
  let timer;
  previewForm.addEventListener('input', (event) => {
    if (!event.target.hasAttribute('data-preview-field')) return;
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const query = new URLSearchParams();
      previewForm.querySelectorAll('[data-preview-field]').forEach((field) => query.set(field.dataset.previewField, field.value));
      const response = await fetch('/admin/utm-preview?' + query, { credentials: 'same-origin' });
      if (response.ok) {
        const text = await response.json();
        output.textContent = text || 'Enter a valid destination URL to see the final address.';
      }
    }, 200);
  });
}

// QR studio: redraw the preview and point the downloads at the chosen options as they change. A refused option
// (colours too close, a size too small for the code) shows the server's message instead of a broken image, and the
// downloads, which would answer 400, are disabled (no address, aria-disabled) until the options are accepted.
const qrStudio = document.querySelector('[data-qr-studio]');
if (qrStudio) {
  const base = qrStudio.dataset.qrStudio;
  const form = qrStudio.querySelector('[data-qr-options]');
  const preview = qrStudio.querySelector('[data-qr-preview]');
  const error = qrStudio.querySelector('[data-qr-error]');
  const downloads = [...qrStudio.querySelectorAll('[data-qr-download]')];
  const urlFor = (format) => {
    const query = new URLSearchParams(new FormData(form));
    query.set('format', format);
    if (downloads.find((a) => a.dataset.qrDownload === format)?.dataset.qrLogoOff) query.set('logo', 'false');
    return base + '?' + query;
  };
  // hrefs: the downloads' addresses for the options just accepted, or null for refused ones.
  const offer = (hrefs) => downloads.forEach((a, i) => {
    if (hrefs) {
      a.href = hrefs[i];
      a.removeAttribute('aria-disabled');
    } else {
      a.removeAttribute('href');
      a.setAttribute('aria-disabled', 'true');
    }
  });
  let timer;
  let latest = 0;
  const update = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      // An older answer that arrives late must not overwrite a newer one.
      const asked = ++latest;
      const format = form.elements.format.value;
      // A PDF cannot be shown in an <img>: preview its options as SVG.
      const url = urlFor(format === 'pdf' ? 'svg' : format);
      const hrefs = downloads.map((a) => urlFor(a.dataset.qrDownload));
      try {
        const response = await fetch(urlFor(format), { credentials: 'same-origin' });
        if (asked !== latest) return;
        if (!response.ok) {
          const problem = await response.json().catch(() => ({}));
          error.textContent = Object.values(problem.errors || {}).flat().join(' ') || problem.title || 'The QR code could not be drawn.';
          preview.classList.add('stale');
          offer(null);
          return;
        }
      } catch {
        return;
      }
      error.textContent = '';
      preview.classList.remove('stale');
      offer(hrefs);
      preview.src = url;
    }, 150);
  };
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  form.addEventListener('submit', (event) => { event.preventDefault(); update(); });
}

// Bulk actions on the links list: select all on the page, a count of the selection, and a confirmation to delete.
const bulk = document.querySelector('[data-bulk]');
if (bulk) {
  const boxes = () => [...document.querySelectorAll('input[name=key][form=bulk]')];
  const count = () => {
    const n = boxes().filter((box) => box.checked).length;
    bulk.querySelector('[data-bulk-count]').textContent = n === 0 ? 'None selected' : `${n} selected`;
  };
  document.addEventListener('change', (event) => {
    if (event.target.matches('[data-select-all]')) boxes().forEach((box) => { box.checked = event.target.checked; });
    if (event.target.matches('[form=bulk]')) count();
  });
  bulk.addEventListener('submit', (event) => {
    const warning = event.submitter?.getAttribute('data-confirm');
    if (boxes().every((box) => !box.checked)) {
      event.preventDefault();
      bulk.querySelector('[data-bulk-count]').textContent = 'Select links first';
    } else if (warning && !window.confirm(warning)) {
      event.preventDefault();
    }
  });
}

// Link form: https:// in front of a bare host (the server does the same), the short URL as the slug is typed, and
// tag suggestions after the commas of the tags already typed.
const linkUrl = document.querySelector('input[name="Form.Url"]');
linkUrl?.addEventListener('change', () => {
  const typed = linkUrl.value.trim();
  const host = typed.split(/[/?#]/)[0];
  if (typed && !typed.includes('://') && host.includes('.') && !host.includes(':') && !/\s/.test(host) && !host.startsWith('.')) {
    linkUrl.value = 'https://' + typed;
    linkUrl.dispatchEvent(new Event('input', { bubbles: true }));
  }
});
const shortPreview = document.querySelector('[data-short-preview]');
if (shortPreview) {
  const slug = document.querySelector('input[name="Form.Slug"]');
  const domain = document.querySelector('select[name="Form.Domain"]');
  const show = () => {
    const base = domain?.selectedOptions[0]?.getAttribute('data-base') ?? '';
    shortPreview.textContent = base + (slug.value.trim() || '(random)');
  };
  slug?.addEventListener('input', show);
  domain?.addEventListener('change', show);
}
const tagsInput = document.querySelector('[data-list-items]');
if (tagsInput) {
  const list = document.getElementById(tagsInput.getAttribute('list'));
  const tags = [...list.options].map((option) => option.value);
  tagsInput.addEventListener('input', () => {
    const cut = tagsInput.value.lastIndexOf(',');
    const before = cut < 0 ? '' : tagsInput.value.slice(0, cut + 1) + ' ';
    const typed = tagsInput.value.slice(0, cut + 1).split(',').map((t) => t.trim());
    list.replaceChildren(...tags.filter((t) => !typed.includes(t)).map((t) => new Option('', before + t)));
  });
}

// "Create and copy": the new link's page copies its short URL at once and says so.
const copyNow = document.querySelector('[data-copy-now]');
if (copyNow) {
  const url = copyNow.getAttribute('data-copy-now');
  navigator.clipboard.writeText(url).then(
    () => { copyNow.textContent = `Created and copied ${url} to the clipboard ✓`; },
    () => {});
}
