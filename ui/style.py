"""The web chat's stylesheet and the small scripts of its HTML components."""

CSS = r"""
.gradio-container { max-width: 1400px !important; }
#ca-sources-col { position: sticky; top: .5rem; align-self: flex-start; }
.ca-user .ca-empty-q { color: var(--body-text-color-subdued, #999); font-style: italic; }
#ca-header h1 { font-size: 1.45rem; margin: 0 0 .15rem 0; }
#ca-header .ca-disclaimer { font-size: .9rem; color: var(--body-text-color-subdued, #666); margin: 0; }
#ca-header .ca-disclaimer strong { color: var(--body-text-color, #222); }

/* conversation */
.ca-chat { display: flex; flex-direction: column; gap: .9rem; padding: .25rem .1rem; }
.ca-turn { display: flex; flex-direction: column; gap: .45rem; }
.ca-msg { border-radius: 10px; padding: .6rem .8rem; line-height: 1.5; border: 1px solid var(--border-color-primary, #e3e3e3); }
.ca-msg .ca-role { font-size: .72rem; text-transform: uppercase; letter-spacing: .05em; color: var(--body-text-color-subdued, #777); margin-bottom: .2rem; }
.ca-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.ca-user { align-self: flex-end; max-width: 85%; background: var(--color-accent-soft, #eef2ff); }
.ca-bot { align-self: stretch; background: var(--background-fill-primary, #fff); }
.ca-answered { border-left: 4px solid #2e9d57; }
.ca-verified-note { font-size: .8rem; color: #2e7d4a; margin-top: .35rem; }
.ca-pending { border-style: dashed; }
.ca-draft { color: var(--body-text-color-subdued, #666); font-style: italic; margin-top: .3rem; }
.ca-refusal { background: #fff7e6; border: 1px solid #f0b54a; border-left: 4px solid #e08e0b; }
.dark .ca-refusal { background: #3a2a0c; }
.ca-refusal-head { font-weight: 600; color: #a35f00; margin-bottom: .2rem; }
.dark .ca-refusal-head { color: #ffc266; }
.ca-error { background: #fdecec; border: 1px solid #e99; border-left: 4px solid #c62828; color: #8e1c1c; }
.dark .ca-error { background: #3b1414; color: #ffb3b3; }
.ca-footer { font-size: .75rem; color: var(--body-text-color-subdued, #888); margin-top: .4rem; }
a.ca-cite { display: inline-block; font-size: .78em; font-weight: 600; padding: 0 .28em; margin: 0 .05em; border-radius: 4px;
  background: #e3f3e8; color: #1d6b3a !important; text-decoration: none !important; vertical-align: super; line-height: 1.2; cursor: pointer; }
a.ca-cite:hover, a.ca-cite:focus { background: #1d6b3a; color: #fff !important; }
a.ca-cite-unsupported { background: #eee; color: #777 !important; }
.ca-unverified { margin-top: .5rem; padding: .4rem .6rem; border: 1px dashed #bbb; border-radius: 8px; color: #777; font-style: italic; font-size: .92em; }
.ca-why { font-size: .85em; color: #888; }
.ca-unverified ul { margin: .2rem 0 0 0; padding-left: 1.1rem; }
.ca-unverified-head { font-style: normal; font-size: .78rem; text-transform: uppercase; letter-spacing: .04em; }
.ca-badge-unverified, .ca-badge-verified { font-style: normal; font-size: .68rem; padding: .05rem .35rem; border-radius: 999px; white-space: nowrap; }
.ca-badge-unverified { background: #eee; color: #666; border: 1px solid #ccc; }
.ca-badge-verified { background: #e3f3e8; color: #1d6b3a; border: 1px solid #b5dcc2; }
.ca-status { display: flex; align-items: center; gap: .5rem; color: var(--body-text-color-subdued, #666); font-size: .92rem; }
.ca-spinner { width: .9rem; height: .9rem; border: 2px solid #bbb; border-top-color: #2e6bd8; border-radius: 50%; animation: ca-spin .8s linear infinite; flex: none; }
@keyframes ca-spin { to { transform: rotate(360deg); } }

/* empty chat */
.ca-empty { padding: 1.2rem .4rem; }
.ca-empty-title { font-size: 1.15rem; font-weight: 600; margin-bottom: .25rem; }
.ca-empty-sub { color: var(--body-text-color-subdued, #666); margin-bottom: .7rem; }
.ca-examples { display: flex; flex-direction: column; gap: .4rem; align-items: flex-start; }
button.ca-example { text-align: left; border: 1px solid var(--border-color-primary, #ddd); border-radius: 8px; padding: .45rem .7rem;
  background: var(--background-fill-secondary, #f7f7f8); cursor: pointer; font: inherit; color: inherit; }
button.ca-example:hover { border-color: #2e6bd8; }

/* sources panel */
.ca-sources { display: flex; flex-direction: column; gap: .6rem; }
.ca-panel-title { font-weight: 600; font-size: 1.05rem; }
.ca-panel-q { font-size: .85rem; color: var(--body-text-color-subdued, #666); margin-top: -.4rem; overflow-wrap: anywhere; }
.ca-section { font-size: .78rem; text-transform: uppercase; letter-spacing: .05em; color: var(--body-text-color-subdued, #777); margin-top: .2rem; }
.ca-card { border: 1px solid var(--border-color-primary, #e3e3e3); border-radius: 10px; padding: .55rem .7rem; background: var(--background-fill-primary, #fff); }
.ca-card + .ca-card { margin-top: .5rem; }
.ca-citation { border-left: 4px solid #2e9d57; }
.ca-focus { box-shadow: 0 0 0 2px #2e6bd8; border-left-color: #2e6bd8; }
.ca-card-head { line-height: 1.35; }
.ca-card-head .ca-badge-verified, .ca-card-head .ca-badge-unverified { margin-left: .3rem; vertical-align: middle; }
.ca-title { font-weight: 600; overflow-wrap: anywhere; }
.ca-num { font-weight: 700; color: #1d6b3a; }
.ca-rank { color: var(--body-text-color-subdued, #888); font-size: .85rem; }
.ca-sub { font-size: .8rem; color: var(--body-text-color-subdued, #777); overflow-wrap: anywhere; }
.ca-meta { display: grid; grid-template-columns: max-content 1fr; gap: .05rem .6rem; font-size: .82rem; margin: .35rem 0; }
.ca-meta dt { color: var(--body-text-color-subdued, #777); margin: 0; }
.ca-meta dd { margin: 0; overflow-wrap: anywhere; }
#ca-sources blockquote.ca-passage, blockquote.ca-passage { margin: .35rem 0 !important; padding: .35rem .6rem; border-left: 3px solid var(--border-color-primary, #ddd);
  white-space: pre-wrap; overflow-wrap: anywhere; font-size: .9rem; background: var(--background-fill-secondary, #fafafa); }
blockquote.ca-passage mark { background: #fff0a6; color: inherit; padding: 0 .1em; border-radius: 2px; }
.dark blockquote.ca-passage mark { background: #6b5a00; }
.ca-card-foot { display: flex; justify-content: space-between; gap: .5rem; align-items: center; font-size: .8rem; }
.ca-sid { font-family: var(--font-mono, monospace); font-size: .72rem; color: var(--body-text-color-subdued, #999); overflow-wrap: anywhere; }
a.ca-link { text-decoration: none; }
details.ca-more > summary { cursor: pointer; font-size: .85rem; color: var(--body-text-color-subdued, #555); margin: .2rem 0 .4rem 0; }
.ca-muted { color: var(--body-text-color-subdued, #777); font-size: .9rem; }
.ca-card-note { font-size: .8rem; color: var(--body-text-color-subdued, #555); margin-top: .2rem; }
.ca-upload-note, .ca-badge-upload { font-size: .68rem; padding: .05rem .35rem; border-radius: 999px; background: #fff4d6; color: #7a5200; border: 1px solid #e8cf8a; margin-left: .25rem; white-space: nowrap; }
.ca-conflict-note { font-size: .8rem; color: #7a3a00; background: #fff1e6; border-left: 3px solid #e08a3c; padding: .2rem .5rem; margin-top: .3rem; }

/* the citation in its jurisdiction's style, and the button that copies it */
.ca-cite-as { font-size: .8rem; margin: .35rem 0; overflow-wrap: anywhere; }
.ca-cite-text { font-family: Georgia, "Times New Roman", serif; }
button.ca-copy-cite { margin-left: .3rem; font: inherit; font-size: .75rem; padding: .05rem .45rem; cursor: pointer;
  border: 1px solid var(--border-color-primary, #ccc); border-radius: 6px; background: var(--background-fill-secondary, #f5f5f5); color: inherit; }
button.ca-copy-cite:hover { border-color: #2e6bd8; }

/* case card: one row per fact, its paragraph small */
.ca-casecard-box { margin: .35rem 0; font-size: .82rem; }
details.ca-casecard-box > summary { cursor: pointer; color: var(--body-text-color-subdued, #555); }
table.ca-casecard { width: 100%; border-collapse: collapse; margin-top: .2rem; }
table.ca-casecard th, table.ca-casecard td { text-align: left; vertical-align: top; padding: .1rem .4rem .1rem 0;
  border: none; border-bottom: 1px solid var(--border-color-primary, #eee); overflow-wrap: anywhere; }
table.ca-casecard th { font-weight: normal; color: var(--body-text-color-subdued, #777); white-space: nowrap; width: 1%; }
.ca-casecard-hit td, .ca-casecard-hit th { background: #fff8d6; }
.dark .ca-casecard-hit td, .dark .ca-casecard-hit th { background: #4a3f00; }
.ca-pin { font-size: .72rem; color: var(--body-text-color-subdued, #888); white-space: nowrap; }

/* library */
.ca-lib-summary { font-size: .88rem; color: var(--body-text-color-subdued, #666); margin-bottom: .4rem; }
.ca-table-wrap { overflow-x: auto; }
table.ca-library { width: 100%; border-collapse: collapse; font-size: .86rem; }
#ca-library table.ca-library { border: none; }
#ca-library table.ca-library th, #ca-library table.ca-library td { text-align: left; vertical-align: top; padding: .35rem .45rem;
  border: none; border-bottom: 1px solid var(--border-color-primary, #e5e5e5); }
table.ca-library th { position: sticky; top: 0; background: var(--background-fill-secondary, #f5f5f5); }
.ca-doc-title { min-width: 14rem; overflow-wrap: anywhere; }
.ca-nowrap { white-space: nowrap; }
.ca-origin-user { color: #2e6bd8; font-weight: 600; }
.ca-origin-curated { color: var(--body-text-color-subdued, #666); }
.ca-docview .ca-chunk { border-bottom: 1px solid var(--border-color-primary, #eee); padding: .35rem 0; }
.ca-chunk-text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .9rem; }
.ca-status-notfinal { color: #a35f00; }
.dark .ca-status-notfinal { color: #ffc266; }

/* not final: an amber badge on a citation */
.ca-badge-notfinal { display: inline-block; margin-left: .3rem; font-size: .72rem; font-weight: 600; padding: .05rem .4rem;
  border-radius: 6px; background: #fff3d6; color: #8a4f00; border: 1px solid #f0b54a; overflow-wrap: anywhere; vertical-align: middle; }
.dark .ca-badge-notfinal { background: #3a2a0c; color: #ffc266; border-color: #a36b00; }

/* passages set aside: they address the assistant and are never evidence */
.ca-setaside-mark { font-size: .75rem; color: #a35f00; margin-top: .15rem; }
.ca-setaside-warning { margin: .4rem 0; padding: .45rem .65rem; border: 1px solid #f0b54a; border-left: 4px solid #e08e0b;
  border-radius: 8px; background: #fff7e6; font-size: .86rem; }
.ca-setaside-warning ul { margin: .25rem 0 0 0; padding-left: 1.1rem; }
.dark .ca-setaside-warning { background: #3a2a0c; }

/* uploads: pages read by OCR, and a card extracted by rules that the user has not yet confirmed */
.ca-badge-ocr { display: inline-block; margin-left: .3rem; font-size: .68rem; padding: .05rem .35rem; border-radius: 999px;
  background: #e8eefc; color: #264a9c; border: 1px solid #b9c8ef; white-space: nowrap; vertical-align: middle; }
.ca-upload-mark { font-size: .75rem; color: #264a9c; margin-top: .15rem; }
.ca-card-origin { font-size: .7rem; text-transform: none; letter-spacing: 0; padding: .02rem .35rem; border-radius: 999px;
  margin-left: .3rem; }
.ca-card-extracted { background: #fff3d6; color: #8a4f00; border: 1px solid #f0b54a; }
.ca-card-confirmed { background: #e3f3e8; color: #1d6b3a; border: 1px solid #b5dcc2; }
.ca-docview .ca-chunk-setaside { background: #fff7e6; border-left: 3px solid #e08e0b; padding-left: .5rem; }
.dark .ca-docview .ca-chunk-setaside { background: #3a2a0c; }
.ca-badge-setaside { font-size: .68rem; padding: .05rem .35rem; border-radius: 999px; background: #fde2b8; color: #8a4f00;
  border: 1px solid #f0b54a; white-space: nowrap; }
ul.ca-notice { list-style: none; padding: 0; margin: .3rem 0; }
.ca-notice-ok { color: #1d6b3a; }
.ca-notice-error { color: #b71c1c; font-weight: 500; }
.ca-notice-info { color: var(--body-text-color-subdued, #555); }
.ca-model-status { font-size: .9rem; }
.ca-model-ready { color: #1d6b3a; }
.ca-model-error { color: #b71c1c; }
.ca-model-pending { color: #a35f00; }

/* timeline of judgments and decisions (ui/timeline.py) */
.ca-tl-summary { font-size: .88rem; color: var(--body-text-color-subdued, #666); }
.ca-tl-legend { display: flex; flex-wrap: wrap; gap: .3rem 1rem; font-size: .82rem; margin: .3rem 0; }
.ca-tl-key { display: inline-flex; align-items: center; gap: .3rem; }
.ca-tl-svg { display: block; max-width: 100%; height: auto; font-family: inherit; }
.ca-tl-lane:nth-of-type(odd) { fill: var(--background-fill-secondary, #f6f6f7); }
.ca-tl-lane { fill: transparent; }
.ca-tl-label { fill: var(--body-text-color, #333); font-size: 12px; }
.ca-tl-year { fill: var(--body-text-color-subdued, #777); font-size: 12px; }
.ca-tl-grid { stroke: var(--border-color-primary, #ddd); stroke-width: 1; }
.ca-tl-hollow { fill: var(--background-fill-primary, #fff); }
.ca-tl-point { cursor: pointer; outline: none; }
.ca-tl-point > :last-child { transition: transform .1s; }
.ca-tl-point:hover > :last-child, .ca-tl-point:focus-visible > :last-child { transform: scale(1.45); }
.ca-tl-ring { fill: none; stroke: #2e6bd8; stroke-width: 2.5; }

/* compare tab (ui/compare_view.py) */
.ca-cmp .ca-panel-q { margin: 0 0 .45rem 0; }
.ca-cmp-progress { font-weight: 600; }
#ca-compare-table table.ca-cmp-table { width: 100%; border-collapse: collapse; border: none; font-size: .9rem; }
#ca-compare-table table.ca-cmp-table th, #ca-compare-table table.ca-cmp-table td { text-align: left; vertical-align: top;
  padding: .45rem .5rem; border: none; border-bottom: 1px solid var(--border-color-primary, #e5e5e5); }
#ca-compare-table table.ca-cmp-table thead th { background: var(--background-fill-secondary, #f5f5f5); }
#ca-compare-table table.ca-cmp-table tr { border: none; }
table.ca-cmp-table tbody th { width: 9rem; font-weight: 600; }
table.ca-cmp-table td { line-height: 1.5; }
#ca-compare-table tr.ca-cmp-answered td { border-left: 3px solid #2e9d57; }
#ca-compare-table tr.ca-cmp-refused td { border-left: 3px solid #e08e0b; }
.ca-cmp-refusal .ca-refusal-head { font-size: .85rem; }
a.ca-cmp-key { display: block; text-align: left; margin-top: .35rem; padding: .2rem .5rem; border-left: 3px solid var(--border-color-primary, #ddd);
  color: inherit !important; text-decoration: none !important; font-size: .85rem; background: var(--background-fill-secondary, #fafafa); }
a.ca-cmp-key:hover, a.ca-cmp-key:focus { border-left-color: #2e6bd8; }
/* Gradio's prose styles draw a dark border round every table row */
.prose table.ca-casecard tr, .prose table.ca-library tr { border: none; }
"""

# Clicks on citation markers and example questions inside the conversation become custom events
# ('cite', 'example') handled in Python. Delegated on the component's root, so it survives re-renders.
TRANSCRIPT_JS = r"""
element.addEventListener('click', function (ev) {
  var cite = ev.target.closest('[data-cite]');
  if (cite && element.contains(cite)) {
    ev.preventDefault();
    trigger('cite', {turn: parseInt(cite.getAttribute('data-turn'), 10), n: parseInt(cite.getAttribute('data-cite'), 10)});
    return;
  }
  var example = ev.target.closest('[data-example]');
  if (example && element.contains(example)) {
    ev.preventDefault();
    trigger('example', {index: parseInt(example.getAttribute('data-example'), 10)});
  }
});
"""

# Bring the focused citation into view when the sources panel changes.
SOURCES_JS = r"""
watch('value', function () {
  var focused = element.querySelector('.ca-focus');
  if (focused) { focused.scrollIntoView({block: 'nearest'}); }
});
// "Copy citation": the button carries its citation in data-copy-citation. The clipboard API needs a
// secure context (localhost is one); a page served over plain http elsewhere falls back to execCommand.
element.addEventListener('click', function (ev) {
  var button = ev.target.closest('[data-copy-citation]');
  if (!button || !element.contains(button)) { return; }
  ev.preventDefault();
  var text = button.getAttribute('data-copy-citation');
  var copied = function () {
    button.textContent = 'Copied';
    setTimeout(function () { button.textContent = 'Copy citation'; }, 1500);
  };
  var byHand = function () {
    var area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand('copy');
    area.remove();
    if (ok) { copied(); }
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(copied, byHand);
  } else {
    byHand();
  }
});
"""
