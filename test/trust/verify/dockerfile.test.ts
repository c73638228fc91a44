// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text is full of ${ARG} written literally
import { describe, expect, it } from 'vitest';
import { DockerfileError, expand, parseDockerfile } from '../../../src/trust/verify/dockerfile.js';

const images = (text: string, args: Record<string, string> = {}) =>
  parseDockerfile(text, new Map(Object.entries(args))).froms.map((f) => (f.base.kind === 'image' ? f.base.reference : f.base.kind === 'stage' ? `stage:${f.base.name}` : 'scratch'));

describe('parseDockerfile', () => {
  it('reads a multi-stage file: AS names, stage references (any case), scratch, --platform, pinned digests', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'FROM --platform=$BUILDPLATFORM golang:1.22@sha256:' + 'a'.repeat(64) + ' AS Build',
      'RUN go build',
      'from build as test',
      'FROM scratch AS empty',
      'FROM registry.example.com:5000/team/base:v2',
      'COPY --from=0 /out /out',
      'FROM BUILD',
    ].join('\n');
    const { froms } = parseDockerfile(text);
    expect(froms.map((f) => [f.line, f.stage, f.name, f.platform])).toEqual([
      [2, 0, 'build', '$BUILDPLATFORM'],
      [4, 1, 'test', undefined],
      [5, 2, 'empty', undefined],
      [6, 3, undefined, undefined],
      [8, 4, undefined, undefined],
    ]);
    expect(images(text)).toEqual([`golang:1.22@sha256:${'a'.repeat(64)}`, 'stage:build', 'scratch', 'registry.example.com:5000/team/base:v2', 'stage:build']);
  });

  it('substitutes ARGs declared before the first FROM: defaults, --build-arg overrides, ${X:-d}, ${X:+a}, earlier ARGs in defaults', () => {
    const text = [
      'ARG REGISTRY=registry.example.com',
      'ARG TAG=v1 FLAVOUR',
      'ARG IMAGE=${REGISTRY}/team/app',
      'FROM $IMAGE:${TAG}',
      'FROM ${REGISTRY}/base:${FLAVOUR:-slim}',
      'FROM ${REGISTRY}/base${FLAVOUR:+-$FLAVOUR}',
      'ARG TAG=ignored-inside-a-stage',
      'FROM "${REGISTRY}/quoted":$TAG',
    ].join('\n');
    expect(images(text)).toEqual([
      'registry.example.com/team/app:v1',
      'registry.example.com/base:slim',
      'registry.example.com/base',
      'registry.example.com/quoted:v1',
    ]);
    expect(images(text, { TAG: 'v9', FLAVOUR: 'alpine', REGISTRY: 'r.example' })).toEqual([
      'r.example/team/app:v9',
      'r.example/base:alpine',
      'r.example/base-alpine',
      'r.example/quoted:v9',
    ]);
  });

  it('ARGs inside a stage do not change later FROM lines; unknown build args are reported as unused', () => {
    const text = 'FROM alpine\nARG BASE=busybox\nFROM ${BASE:-debian}\n';
    const parsed = parseDockerfile(text, new Map([['BASE', 'x'], ['OTHER', 'y']]));
    expect(parsed.froms.map((f) => f.image)).toEqual(['alpine', 'debian']);
    expect(parsed.unusedBuildArgs).toEqual(['BASE', 'OTHER']);
  });

  it('joins continuations (skipping comments and blank lines inside them), ignores comments and heredoc bodies', () => {
    const text = [
      '# a comment FROM evil',
      'FROM \\',
      '  # comment inside the continuation',
      '',
      '  alpine:3.19 \\',
      '  AS base',
      'RUN <<EOF',
      'FROM not-an-instruction',
      'EOF',
      'COPY <<-"ONE" /a <<TWO /b',
      '\tFROM inside-one',
      '\tONE',
      'FROM inside-two',
      'TWO',
      'FROM base',
    ].join('\n');
    const { froms } = parseDockerfile(text);
    expect(froms.map((f) => [f.line, f.image])).toEqual([
      [2, 'alpine:3.19'],
      [15, 'base'],
    ]);
    expect(froms[1]!.base).toEqual({ kind: 'stage', name: 'base', index: 0 });
  });

  it('honours the escape directive (backtick), only at the top of the file', () => {
    expect(images('# escape=`\nFROM `\n  alpine\nRUN dir c:\\\n')).toEqual(['alpine']);
    // after a blank line it is only a comment: the backslash continues the line again
    expect(images('\n# escape=`\nFROM \\\n alpine\n')).toEqual(['alpine']);
  });

  it('a later stage name and a number are images, as docker reads FROM (COPY --from takes indexes, FROM does not)', () => {
    expect(images('FROM later\nFROM alpine AS later\nFROM 0\n')).toEqual(['later', 'alpine', '0']);
  });

  it('names the line of every error', () => {
    const cases: [string, RegExp][] = [
      ['RUN echo\nFROM alpine', /line 1: RUN before the first FROM/],
      ['FROM', /line 1: FROM needs an image/],
      ['FROM a b', /line 1: FROM needs an image/],
      ['FROM --platform linux/amd64 alpine', /line 1: FROM flag --platform needs a value/],
      ['FROM --pull=always alpine', /unknown flag for FROM: --pull/],
      ['ARG X\nFROM $X', /line 2: the image \$X is empty/],
      ['FROM alpine AS 1st', /invalid stage name "1st"/],
      ['FROM a AS x\nFROM b AS X', /line 2: duplicate stage name "x"/],
      ['FROM ${TARGETARCH}/alpine', /depends on TARGETARCH.*--build-arg TARGETARCH=/],
      ['FROM ${X/a/b}', /unsupported substitution/],
      ['ARG X\nFROM ${X:?required}', /line 2: X: required/],
      ['# just a comment\n', /no FROM instruction/],
      ['FROM "alpine', /unmatched " quote/],
    ];
    for (const [text, error] of cases) {
      expect(() => parseDockerfile(text), text).toThrow(DockerfileError);
      expect(() => parseDockerfile(text), text).toThrow(error);
    }
    expect(images('FROM ${TARGETARCH}/alpine', { TARGETARCH: 'arm64v8' })).toEqual(['arm64v8/alpine']);
  });
});

describe('expand', () => {
  const vars = (n: string) => ({ A: 'a', E: '' })[n];
  it('follows the shell forms docker supports', () => {
    const cases: [string, string][] = [
      ['$A-${A}', 'a-a'],
      ['${E:-d}|${E-d}|${U-d}', 'd||d'],
      ['${E:+x}|${E+x}|${A:+x}', '|x|x'],
      ["'$A'\"$A\"", '$Aa'],
      ['\\$A', '$A'],
      ['$', '$'],
      ['${U:-${A}b}', 'ab'],
    ];
    for (const [word, expected] of cases) expect(expand(word, vars, '\\', 1), word).toBe(expected);
  });
});
