// A spinner that animates on its own timer (the UI stays responsive while work runs elsewhere).
import { Text } from 'ink';
import { useEffect, useState } from 'react';
import { theme } from './theme.js';

const FRAMES = process.env.TERM === 'dumb' ? ['|', '/', '-', '\\'] : ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function Spinner({ label }: { label: string }) {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setFrame((f) => (f + 1) % FRAMES.length), 100);
    return () => clearInterval(timer);
  }, []);
  return (
    <Text>
      <Text color={theme.accent}>{FRAMES[frame]}</Text> {label}…
    </Text>
  );
}
