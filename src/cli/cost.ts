// Placeholder until the issue that owns `mobilenet cost` lands.
import { MobileNetError } from '../errors.js';

export const describe = '(not built yet)';

export async function run(_argv: string[]): Promise<number> {
  throw new MobileNetError('mobilenet cost is not built yet', 1);
}
