import { describe, expect, it } from 'vitest';
import { imageName, isMovingTag, parseImage } from '../../src/core/image.js';

const DIGEST = 'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae';

describe('image references, read as the container runtime reads them', () => {
  it.each([
    ['nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['nginx:1.27', 'docker.io', 'library/nginx', '1.27', undefined],
    ['fast-trace/helper:latest', 'docker.io', 'fast-trace/helper', 'latest', undefined],
    ['docker.io/nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['index.docker.io/library/nginx:1', 'docker.io', 'library/nginx', '1', undefined],
    ['registry-1.docker.io/bitnami/redis:7.2', 'docker.io', 'bitnami/redis', '7.2', undefined],
    ['localhost:5000/tools/debug:2.1', 'localhost:5000', 'tools/debug', '2.1', undefined],
    ['localhost/app', 'localhost', 'app', undefined, undefined],
    ['GHCR.io/Acme/agent@' + DIGEST, 'ghcr.io', 'Acme/agent', undefined, DIGEST],
    ['registry.k8s.io/ingress-nginx/controller:v1.11.2@' + DIGEST, 'registry.k8s.io', 'ingress-nginx/controller', 'v1.11.2', DIGEST],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:3', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'team/app', '3', undefined],
    ['my-registry:443/app', 'my-registry:443', 'app', undefined, undefined],
    ['user/app:5000', 'docker.io', 'user/app', '5000', undefined],
  ])('%s', (image, registry, repository, tag, digest) => {
    const reference = parseImage(image);
    expect(reference).toEqual({ image, registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) });
    expect(imageName(reference)).toBe(`${registry}/${repository}`);
  });

  it.each([
    ['nginx', true],
    ['nginx:latest', true],
    ['nginx:1.27', false],
    [`nginx@${DIGEST}`, false],
    [`nginx:latest@${DIGEST}`, false],
  ])('%s moves: %s', (image, moving) => {
    expect(isMovingTag(parseImage(image))).toBe(moving);
  });
});
