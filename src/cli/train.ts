// Placeholder until the issue that owns `mobilenet train` lands.
import { MobileNetError } from '../errors.js';

export const describe = '(not built yet)';

export async function run(_argv: string[]): Promise<number> {
  throw new MobileNetError('mobilenet train is not built yet', 1);
}
