// @ts-check
// The companion's storage, in this browser's IndexedDB: the accounts it holds (TOTP secrets)
// and this device's identity: an id, and for PUSH a signing key pair whose private key is
// non-extractable, so no script, this page's included, can ever read it out; it can only sign.
// (A phone app keeps both in the platform keystore instead.)

const DB_NAME = 'verification-demo-authenticator';
const DB_VERSION = 1;
const ACCOUNTS = 'accounts';
const DEVICE = 'device';
const THIS_DEVICE = 'this-device';

/**
 * One account the companion holds.
 *
 * @typedef {object} Account
 * @property {string} id local id
 * @property {string} type 'TOTP' or 'PUSH'
 * @property {string} issuer
 * @property {string} account
 * @property {string} [secret] TOTP secret (base32)
 * @property {string} [algorithm]
 * @property {number} [digits]
 * @property {number} [period]
 * @property {string} [phId] the authenticator's id at the service, once enrolled through the app path
 * @property {string} [serviceUrl] the service it enrolled with (`burl`)
 * @property {string} addedAt ISO timestamp
 */

/**
 * @typedef {object} DeviceRecord
 * @property {string} id
 * @property {string} deviceId
 * @property {CryptoKeyPair} [keyPair]
 */

/**
 * @typedef {object} Vault
 * @property {() => Promise<Account[]>} accounts oldest first
 * @property {(account: Account) => Promise<void>} saveAccount
 * @property {(id: string) => Promise<void>} removeAccount
 * @property {() => Promise<string>} deviceId created on first use
 * @property {() => Promise<CryptoKeyPair>} deviceKey ECDSA P-256, private key non-extractable; created on first use
 */

/**
 * @template T
 * @param {IDBRequest<T>} request
 * @returns {Promise<T>}
 */
function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** @returns {Promise<IDBDatabase>} */
function openDatabase() {
  const request = indexedDB.open(DB_NAME, DB_VERSION);
  request.onupgradeneeded = () => {
    request.result.createObjectStore(ACCOUNTS, { keyPath: 'id' });
    request.result.createObjectStore(DEVICE, { keyPath: 'id' });
  };
  return done(request);
}

/** 16 hex characters from the CSPRNG (available in every context, unlike randomUUID): ids of this device and its accounts. */
export function randomHex() {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** @returns {Promise<Vault>} */
export async function openVault() {
  const db = await openDatabase();
  /** @param {string} name @param {IDBTransactionMode} mode */
  const store = (name, mode) => db.transaction(name, mode).objectStore(name);

  /**
   * Stores `fresh` unless a device record exists, in one transaction, so two tabs starting at
   * once end with one identity.
   *
   * @param {(existing: DeviceRecord | undefined) => DeviceRecord | undefined} update
   * @returns {Promise<DeviceRecord>}
   */
  async function updateDevice(update) {
    const tx = db.transaction(DEVICE, 'readwrite');
    const devices = tx.objectStore(DEVICE);
    /** @type {DeviceRecord | undefined} */
    const existing = await done(devices.get(THIS_DEVICE));
    const next = update(existing);
    if (next) devices.put(next);
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    const record = next ?? existing;
    if (!record) throw new Error('the device record could not be created');
    return record;
  }

  return {
    async accounts() {
      /** @type {Account[]} */
      const all = await done(store(ACCOUNTS, 'readonly').getAll());
      return all.sort((a, b) => a.addedAt.localeCompare(b.addedAt));
    },
    async saveAccount(account) {
      await done(store(ACCOUNTS, 'readwrite').put(account));
    },
    async removeAccount(id) {
      await done(store(ACCOUNTS, 'readwrite').delete(id));
    },
    async deviceId() {
      const record = await updateDevice((existing) => (existing ? undefined : { id: THIS_DEVICE, deviceId: randomHex() }));
      return record.deviceId;
    },
    async deviceKey() {
      const current = await updateDevice((existing) => (existing ? undefined : { id: THIS_DEVICE, deviceId: randomHex() }));
      if (current.keyPair) return current.keyPair;
      // Generated outside the transaction (an await on WebCrypto would let it commit early).
      const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
      const record = await updateDevice((existing) =>
        existing?.keyPair ? undefined : { id: THIS_DEVICE, deviceId: existing?.deviceId ?? randomHex(), keyPair },
      );
      if (!record.keyPair) throw new Error('the device key could not be stored');
      return record.keyPair;
    },
  };
}
