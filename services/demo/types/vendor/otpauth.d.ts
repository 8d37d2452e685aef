// `/demo/vendor/otpauth.js` is otpauth's ESM browser build: the package's own types describe it.
// (tsconfig.demo.json's rootDirs lays this folder over public/, so `../vendor/otpauth.js` resolves here.)
export * from 'otpauth';
