// Runs a WebAuthn ceremony with options given as JSON and returns the response as JSON, through
// @simplewebauthn/browser (loaded before this script as the global SimpleWebAuthnBrowser).
'use strict';

(() => {
  const { startRegistration, startAuthentication } = window.SimpleWebAuthnBrowser;

  /** Never throws: a refusal comes back with the DOMException name the browser gave it. */
  async function run(start, optionsJSON) {
    try {
      return { ok: true, response: await start({ optionsJSON }) };
    } catch (err) {
      return { ok: false, error: { name: err.name, code: err.code ?? null, message: err.message } };
    }
  }

  window.webauthnCeremony = {
    register: (optionsJSON) => run(startRegistration, optionsJSON),
    authenticate: (optionsJSON) => run(startAuthentication, optionsJSON),
  };

  document.addEventListener('DOMContentLoaded', () => {
    const result = document.getElementById('result');
    const runFromPage = async (ceremony) => {
      let options;
      try {
        options = JSON.parse(document.getElementById('options').value);
      } catch {
        result.textContent = 'The options are not valid JSON.';
        return;
      }
      result.textContent = JSON.stringify(await ceremony(options), null, 2);
    };
    document.getElementById('register').addEventListener('click', () => runFromPage(window.webauthnCeremony.register));
    document.getElementById('authenticate').addEventListener('click', () => runFromPage(window.webauthnCeremony.authenticate));
  });
})();
