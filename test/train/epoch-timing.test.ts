/** The epoch line's timing: the steps' rate without the plan's set-up, the set-up when there was one, the epoch end. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { timingText } from '../../src/train/progress.js';

test('timingText: rate, set-up only when there was one, epoch end; nothing without timing', () => {
  assert.equal(timingText({ imgPerSec: 1234.56, setupSeconds: 1.24, endSeconds: 0.81 }), ' (1,234.6 img/s, plan set-up 1.2 s, epoch end 0.8 s)');
  assert.equal(timingText({ imgPerSec: 70, setupSeconds: 0.01, endSeconds: 2 }), ' (70.0 img/s, epoch end 2.0 s)');
  assert.equal(timingText(undefined), '');
});
