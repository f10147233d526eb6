// The Settings page's inputs, and the map from a server message to the
// input it names.  The server's 400 message starts with the field
// ("encoderSettingsString[1].height: must be ...", "hlsTime: must be
// an integer ..."; origin/README.md, REST settings); fieldOf() turns
// that into the id of the input that shows it.
import { html } from '../html.js';

// The ladder's columns, Ant Media's names (encoderSettingsString entries).
export const LADDER_COLS = [
  { key: 'height', label: 'Height (px)' },
  { key: 'videoBitrate', label: 'Video bit rate (bit/s)' },
  { key: 'audioBitrate', label: 'Audio bit rate (bit/s)' },
];

export const ladderId = (i, key) => `ladder-${i}-${key}`;

// The input id a server message is about, or '' when it names none the
// page has (the message then shows above the form).
export function fieldOf(message, knownIds) {
  const m = /^([A-Za-z]+)(?:\[(\d+)\](?:\.([A-Za-z]+))?)?:/.exec(message || '');
  if (!m) return '';
  const [, key, index, sub] = m;
  if (key === 'encoderSettingsString' || key === 'encoderSettings') {
    if (index !== undefined && sub) return ladderId(Number(index), sub);
    return 'ladder';
  }
  return knownIds.includes(key) ? key : '';
}

// The error under an input, tied to it by aria-describedby.
export function FieldError({ id, error }) {
  return error.field === id
    ? html`<span class="field-error" id=${'err-' + id} role="alert">⚠ ${error.message}</span>`
    : null;
}

function aria(id, error) {
  const bad = error.field === id;
  return { 'aria-invalid': bad ? 'true' : null, 'aria-describedby': bad ? 'err-' + id : null };
}

// A labelled text or number input bound to form[id].
export function Input({ id, label, form, set, error, type = 'text', help, ...rest }) {
  return html`
    <div class="field">
      <label for=${id}>${label}</label>
      <input id=${id} name=${id} type=${type} value=${form[id]} ...${aria(id, error)} ...${rest}
        onInput=${(e) => set(id, e.target.value)} />
      ${help && html`<span class="help">${help}</span>`}
      <${FieldError} id=${id} error=${error} />
    </div>`;
}

export function Check({ id, label, form, set, error }) {
  return html`
    <div class="field check">
      <input id=${id} name=${id} type="checkbox" checked=${!!form[id]} ...${aria(id, error)}
        onChange=${(e) => set(id, e.target.checked)} />
      <label for=${id}>${label} <code>${id}</code></label>
      <${FieldError} id=${id} error=${error} />
    </div>`;
}

export function Select({ id, label, form, set, error, options }) {
  return html`
    <div class="field">
      <label for=${id}>${label}</label>
      <select id=${id} name=${id} value=${form[id]} ...${aria(id, error)}
        onChange=${(e) => set(id, e.target.value)}>
        ${options.map((o) => html`<option value=${o}>${o}</option>`)}
      </select>
      <${FieldError} id=${id} error=${error} />
    </div>`;
}

// The ladder as rows of inputs; rows: [{height, videoBitrate,
// audioBitrate, forceEncode}] of strings and a boolean.
export function Ladder({ rows, setRows, error }) {
  const edit = (i, key, v) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [key]: v } : r)));
  const remove = (i) => setRows((rs) => rs.filter((r, j) => j !== i));
  const add = () => {
    setRows((rs) => [...rs, { height: '', videoBitrate: '', audioBitrate: '0', forceEncode: false }]);
    // The keyboard goes on in the new row.
    requestAnimationFrame(() => document.getElementById(ladderId(rows.length, 'height'))?.focus());
  };
  return html`
    <fieldset id="ladder" tabindex="-1" aria-describedby=${error.field === 'ladder' ? 'err-ladder' : null}>
      <legend>Adaptive bitrate ladder <code>encoderSettingsString</code></legend>
      <${FieldError} id="ladder" error=${error} />
      <p class="help">Bit rates in bit/s; an audio bit rate of 0 shares the source's audio.
        ${rows.length === 0 && ' No renditions: streams are passed through as published.'}</p>
      ${rows.map((r, i) => html`
        <div class="ladder-row" role="group" aria-label=${'Rendition ' + (i + 1)}>
          ${LADDER_COLS.map((c) => html`
            <div class="field">
              <label for=${ladderId(i, c.key)}>${c.label}</label>
              <input id=${ladderId(i, c.key)} inputmode="numeric" value=${r[c.key]}
                ...${aria(ladderId(i, c.key), error)}
                onInput=${(e) => edit(i, c.key, e.target.value)} />
              <${FieldError} id=${ladderId(i, c.key)} error=${error} />
            </div>`)}
          <div class="field check">
            <input id=${ladderId(i, 'forceEncode')} type="checkbox" checked=${r.forceEncode}
              ...${aria(ladderId(i, 'forceEncode'), error)}
              onChange=${(e) => edit(i, 'forceEncode', e.target.checked)} />
            <label for=${ladderId(i, 'forceEncode')}>Force encode</label>
            <${FieldError} id=${ladderId(i, 'forceEncode')} error=${error} />
          </div>
          <button type="button" class="danger" onClick=${() => remove(i)}
            aria-label=${'Remove rendition ' + (i + 1)}>Remove</button>
        </div>`)}
      <button type="button" onClick=${add}>Add a rendition</button>
    </fieldset>`;
}
