/**
 * How the inference image is built when this library prints or documents the command. Every GPU host it deploys to
 * is x86-64 (SageMaker's ml.g4dn/g5/p4d, Vertex AI's and Compute Engine's G2/N1/A2, Azure's NC series), and Cloud Run
 * runs linux/amd64 images only; the vLLM tags are multi-arch, so a build on an arm64 workstation (Apple silicon)
 * without `--platform` produces an arm64 image that no host runs.
 */
export const IMAGE_PLATFORM = 'linux/amd64';

/**
 * The name of the image built from inference-container/ in a registry a construct creates: the repository path in
 * Artifact Registry (`<region>-docker.pkg.dev/<project>/<repository>/form-detector:<tag>`) and the repository in
 * Azure Container Registry (`<registry>.azurecr.io/form-detector:<tag>`).
 */
export const DEFAULT_IMAGE_NAME = 'form-detector';

/** The build context of the image, relative to the repository root. */
export const IMAGE_BUILD_CONTEXT = 'inference-container';

/** `docker build --platform linux/amd64 -t <image> inference-container`. */
export function dockerBuildCommand(image: string): string {
  return `docker build --platform ${IMAGE_PLATFORM} -t ${image} ${IMAGE_BUILD_CONTEXT}`;
}

/** Build, then push: the command this library prints wherever an image has to be pushed by hand. */
export function dockerBuildAndPushCommand(image: string): string {
  return `${dockerBuildCommand(image)} && docker push ${image}`;
}
