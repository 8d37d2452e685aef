// @ts-check
// "Your authenticators": the user's enrolled factors, with rename and remove. Removing one's own
// factor needs step-up, which the API client asks for.

import { announce, h, moveFocusTo } from './dom.js';
import { methodOfType } from '../methods/index.js';

/** @typedef {import('./api.js').Api} Api */
/** @typedef {import('./types.js').DeviceView} DeviceView */

/** @param {string | null} iso */
const when = (iso) => (iso ? new Date(iso).toLocaleString() : 'never');

/** @param {DeviceView} device */
export function deviceName(device) {
  const label = methodOfType(device.verification_type)?.label ?? device.verification_type;
  return device.friendly_name ?? (device.device_id ? `${label} (${device.device_id})` : label);
}

/**
 * Shows the devices list in `container` and keeps it current.
 *
 * @param {object} options
 * @param {Api} options.api
 * @param {HTMLElement} options.container
 * @param {HTMLElement} options.heading where focus goes after a removal
 * @returns {{ refresh(): Promise<void> }}
 */
export function deviceList({ api, container, heading }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const list = h('ul', { class: 'devices', id: 'device-list' });

  async function refresh() {
    /** @type {DeviceView[]} */
    const devices = await api.get('/verification-actions-srv/devices');
    list.replaceChildren(...devices.map(row));
    container.replaceChildren(devices.length > 0 ? list : h('p', { class: 'muted', id: 'no-devices' }, 'No authenticator yet.'), error);
  }

  /**
   * Shows the list afresh and puts focus back on a row's first button (after an edit or a
   * question was answered or dropped), so keyboard users stay where they were.
   *
   * @param {string} phId
   */
  async function refreshAndReturnTo(phId) {
    await refresh();
    const button = list.querySelector(`[data-ph-id="${phId}"] button`);
    if (button instanceof HTMLElement) moveFocusTo(button);
  }

  /**
   * @param {unknown} err
   * @param {HTMLElement} focus
   */
  const fail = (err, focus) => {
    error.textContent = err instanceof Error ? err.message : String(err);
    moveFocusTo(focus);
  };

  /**
   * The line under a device's name: its method (unless the name already is it), when it was
   * added and last used, and for backup codes how many are left.
   *
   * @param {DeviceView} device
   * @param {string} name
   */
  function facts(device, name) {
    const method = methodOfType(device.verification_type)?.label ?? device.verification_type;
    return [
      method === name ? undefined : method,
      `added ${when(device.created_at)}`,
      `last used ${when(device.last_used_at)}`,
      device.remaining === undefined ? undefined : `${device.remaining} left`,
    ]
      .filter(Boolean)
      .join(' · ');
  }

  /** @param {DeviceView} device */
  function row(device) {
    const name = deviceName(device);
    const item = h('li', { class: 'device', 'data-ph-id': device.ph_id });
    const renameButton = h('button', { type: 'button', class: 'secondary', 'aria-label': `Rename ${name}` }, 'Rename');
    const removeButton = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${name}` }, 'Remove');
    const summary = h(
      'div',
      {},
      h('strong', { class: 'device-name' }, name),
      h('br'),
      h('span', { class: 'muted' }, facts(device, name)),
    );
    const actions = h('div', { class: 'actions' }, renameButton, removeButton);
    item.append(summary, actions);

    renameButton.addEventListener('click', () => {
      const input = h('input', { id: `rename-${device.ph_id}`, value: device.friendly_name ?? '', maxlength: 64, required: true });
      const form = h(
        'form',
        {
          class: 'inline-form',
          onsubmit: async (event) => {
            event.preventDefault();
            try {
              await api.put(`/verification-actions-srv/setup/users/friendlyname/${device.verification_type.toLowerCase()}`, {
                ph_id: device.ph_id,
                friendly_name: input.value.trim(),
              });
              await refreshAndReturnTo(device.ph_id);
              announce(`Renamed to ${input.value.trim()}.`);
            } catch (err) {
              fail(err, input);
            }
          },
        },
        h('label', { for: input.id }, `New name for ${name}`),
        h('span', { class: 'inline' }, input, h('button', { type: 'submit' }, 'Save'), h('button', { type: 'button', class: 'secondary', onclick: () => refreshAndReturnTo(device.ph_id) }, 'Keep')),
      );
      actions.replaceWith(form);
      input.select();
      moveFocusTo(input);
    });

    removeButton.addEventListener('click', () => {
      const confirmButton = h('button', { type: 'button', class: 'danger' }, 'Yes, remove');
      const question = h(
        'div',
        { class: 'confirm', role: 'group', 'aria-label': `Remove ${name}?` },
        h('p', {}, `Remove ${name}? Its codes stop working at once.`),
        confirmButton,
        h('button', { type: 'button', class: 'secondary', onclick: () => refreshAndReturnTo(device.ph_id) }, 'Keep it'),
      );
      confirmButton.addEventListener('click', async () => {
        try {
          await api.del(`/verification-actions-srv/devices/${device.ph_id}`, { stepUp: true });
          await refresh();
          announce(`${name} removed.`);
          moveFocusTo(heading);
        } catch (err) {
          fail(err, confirmButton);
        }
      });
      actions.replaceWith(question);
      moveFocusTo(confirmButton);
    });
    return item;
  }

  return { refresh };
}
