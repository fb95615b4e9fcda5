// Placeholder until the issue that owns `mobilenet eval` lands.
import { MobileNetError } from '../errors.js';

export const describe = '(not built yet)';

export async function run(_argv: string[]): Promise<number> {
  throw new MobileNetError('mobilenet eval is not built yet', 1);
}
