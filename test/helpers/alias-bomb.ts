/**
 * The classic YAML alias bomb ("billion laughs") as a signing policy: nine levels, each a list of
 * nine aliases of the level below, 9^9 strings once expanded, in under 400 bytes.
 */
const LEVELS = 'abcdefghi';

export const BILLION_LAUGHS = [
  'version: 1',
  `a: &a [${Array(9).fill('"lol"').join(', ')}]`,
  ...[...LEVELS].slice(1).map((level, i) => `${level}: &${level} [${Array(9).fill(`*${LEVELS[i]}`).join(', ')}]`),
  `repositories: *${LEVELS.at(-1)}`,
  '',
].join('\n');
