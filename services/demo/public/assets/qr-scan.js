// @ts-check
// Reading a QR code from an image file or the camera with jsQR (loaded as the classic script
// /demo/vendor/jsqr.js, which defines the global `jsQR`).

// Larger photos are scaled down first: jsQR's time grows with the pixels, not with the symbol.
const MAX_SIDE_PX = 1600;

/**
 * @param {CanvasImageSource} source
 * @param {number} width
 * @param {number} height
 * @returns {string | undefined}
 */
function decode(source, width, height) {
  const scale = Math.min(1, MAX_SIDE_PX / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('This browser cannot read images (no 2D canvas).');
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  return jsQR(data, canvas.width, canvas.height)?.data;
}

/**
 * The text of the QR code in an image (a screenshot, a saved QR image, a photo).
 *
 * @param {Blob} file
 * @returns {Promise<string>}
 * @throws {Error} when the file is not an image or holds no readable QR code
 */
export async function readQrFromFile(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error('That file is not an image this browser can read.');
  }
  try {
    const text = decode(bitmap, bitmap.width, bitmap.height);
    if (!text) throw new Error('No QR code found in that image.');
    return text;
  } finally {
    bitmap.close();
  }
}

/** Whether this browser can offer the camera (a secure context with getUserMedia). */
export function cameraAvailable() {
  return window.isSecureContext && typeof navigator.mediaDevices?.getUserMedia === 'function';
}

/**
 * Shows the back camera in `video` and resolves with the first QR code seen; the camera is
 * released when it resolves, fails or `signal` aborts.
 *
 * @param {HTMLVideoElement} video
 * @param {AbortSignal} signal
 * @returns {Promise<string>}
 */
export async function readQrFromCamera(video, signal) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  try {
    video.srcObject = stream;
    await video.play();
    while (!signal.aborted) {
      await new Promise((resolve) => requestAnimationFrame(resolve));
      if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) continue;
      const text = decode(video, video.videoWidth, video.videoHeight);
      if (text) return text;
    }
    throw signal.reason;
  } finally {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  }
}
