// Placeholder until the issue that owns `mobilenet predict` lands.
import { MobileNetError } from '../errors.js';

export const describe = '(not built yet)';

export async function run(_argv: string[]): Promise<number> {
  throw new MobileNetError('mobilenet predict is not built yet', 1);
}
