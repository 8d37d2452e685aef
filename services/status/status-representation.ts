import { statusEtag, type VersionedStatus } from '../../shared/status/status-document.ts';

/**
 * A status version as the poll answers it: its ETag and its JSON body, serialized once. A
 * string rather than a Buffer: Node writes a string body in one piece with the headers, a
 * Buffer as a second chunk.
 */
export interface StatusRepresentation {
  etag: string;
  body: string;
}

// Keyed by the cached object itself: the cache hands out the same VersionedStatus for a version
// until a newer one replaces it, so every poll of that version after the first finds its bytes
// here, and the entry goes with the object.
const rendered = new WeakMap<VersionedStatus, StatusRepresentation>();

/**
 * The ETag and body of `status`, computed on the first poll (or WebSocket `status` message) of
 * this version and kept with it.
 */
export function representationOf(status: VersionedStatus): StatusRepresentation {
  let representation = rendered.get(status);
  if (!representation) {
    representation = { etag: statusEtag(status), body: JSON.stringify(status.document) };
    rendered.set(status, representation);
  }
  return representation;
}
