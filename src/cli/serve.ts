// Placeholder until the issue that owns `mobilenet serve` lands.
import { MobileNetError } from '../errors.js';

export const describe = '(not built yet)';

export async function run(_argv: string[]): Promise<number> {
  throw new MobileNetError('mobilenet serve is not built yet', 1);
}
