// Terminal size that follows resizes. ink-testing-library's fake stdout has no `rows`: fall back to 24.
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

export interface TerminalSize {
  columns: number;
  rows: number;
}

export const MIN_SIZE: TerminalSize = { columns: 60, rows: 15 };

export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    const onResize = () => setSize(sizeOf(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

function sizeOf(stdout: { columns?: number; rows?: number }): TerminalSize {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}
