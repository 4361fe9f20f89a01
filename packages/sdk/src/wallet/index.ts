// Wallet files: encrypted keystores.
export {
  decryptKeystore,
  type EncryptKeystoreOptions,
  encryptKeystore,
  KEYSTORE_SCRYPT_N,
  KeystoreError,
  type KeystoreV3,
} from "./keystore.js";
