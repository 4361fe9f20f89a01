// Container images without a container engine: OCI layouts and registries into verified,
// unpacked root folders that the bwrap executor runs workloads in.
export { type ApplyLayerOptions, applyLayer, LayerError, type LayerReport } from "./layer.js";
export { fullImageName, type ImageReference, ImageReferenceError, parseImageReference } from "./reference.js";
export {
  createRegistryClient,
  MANIFEST_MEDIA_TYPES,
  type RegistryClient,
  type RegistryClientOptions,
  RegistryError,
} from "./registry.js";
export {
  createImageStore,
  ImageError,
  type ImageRunConfig,
  type ImageStore,
  type ImageStoreOptions,
  type UnpackedImage,
} from "./store.js";
