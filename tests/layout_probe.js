// The layout findings of the page shown (tests/layout.py). Run by Selenium's execute_script: it returns an object.
const vw = window.innerWidth;
const root = document.scrollingElement || document.documentElement;
const describe = (el) => {
  let name = el.tagName.toLowerCase();
  if (el.id) name += '#' + el.id;
  else if (typeof el.className === 'string' && el.className.trim()) name += '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.');
  const parent = el.parentElement;
  if (parent && parent !== document.body) {
    let p = parent.tagName.toLowerCase();
    if (parent.id) p += '#' + parent.id;
    else if (typeof parent.className === 'string' && parent.className.trim()) p += '.' + parent.className.trim().split(/\s+/)[0];
    name = p + ' > ' + name;
  }
  return name;
};
const hidden = (el) => {
  const style = getComputedStyle(el);
  return style.display === 'none' || style.visibility === 'hidden';
};
const clippedByAncestor = (el) => {
  for (let a = el.parentElement; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
    const ox = getComputedStyle(a).overflowX;
    if (ox === 'auto' || ox === 'scroll' || ox === 'hidden' || ox === 'clip') return true;
  }
  return false;
};
const overflowing = [];
const clipped = [];
const skip = (el) => el.closest('.visually-hidden, .skip-link, .leaflet-container, dialog:not([open]), [hidden], script, style, head');
const all = document.body ? document.body.querySelectorAll('*') : [];
for (const el of all) {
  if (skip(el)) continue;
  const rect = el.getBoundingClientRect();
  if (rect.width === 0 && rect.height === 0) continue;
  if ((rect.right > vw + 1 || rect.left < -1) && !clippedByAncestor(el) && !hidden(el)) {
    const parentRect = el.parentElement ? el.parentElement.getBoundingClientRect() : null;
    const parentOut = parentRect && (parentRect.right > vw + 1 || parentRect.left < -1) && el.parentElement !== document.body
      && !clippedByAncestor(el.parentElement);
    if (!parentOut) overflowing.push({element: describe(el), right: Math.round(rect.right), left: Math.round(rect.left),
                                      text: (el.innerText || '').trim().slice(0, 60)});
  }
  const style = getComputedStyle(el);
  if ((style.overflowX === 'hidden' || style.overflowX === 'clip' || style.textOverflow === 'ellipsis')
      && el.scrollWidth > el.clientWidth + 2 && (el.innerText || '').trim() && !['auto', 'scroll'].includes(style.overflowY)) {
    clipped.push({element: describe(el), text: (el.innerText || '').trim().slice(0, 60)});
  }
}
const broken = [...document.images].filter(img => img.complete && img.naturalWidth === 0 && !skip(img)
                                             && img.getAttribute('src')).map(img => img.getAttribute('src'));
// A checkbox or radio button squashed by its flex label (a 7 px sliver next to a long text) is not seen as a control.
const squashed = [...document.querySelectorAll('input[type=checkbox], input[type=radio]')].filter(el => !skip(el) && !hidden(el))
  .map(el => [el, el.getBoundingClientRect()]).filter(([el, r]) => r.width > 0 && r.height > 0 && (r.width < 11 || r.height < 11))
  .map(([el, r]) => ({element: describe(el), width: Math.round(r.width * 10) / 10, height: Math.round(r.height * 10) / 10}));
const main = document.querySelector('main');
const mainText = main ? main.innerText.trim() : '';
return {hscroll: root.scrollWidth > vw, scroll_width: root.scrollWidth, inner_width: vw,
        overflowing: overflowing.slice(0, 12), clipped: clipped.slice(0, 12), broken_images: broken.slice(0, 12), squashed_controls: squashed.slice(0, 12),
        main_empty: !main || (mainText.length < 15 && !main.querySelector('img, svg, table, form, canvas'))};
