// vshTable formatting: leading space, columns padded to the widest cell, three-space gaps, the
// last column unpadded, a dashed rule as wide as the columns plus gaps; --quiet drops both.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Table, displayWidth } from '../../src/cli/table.js';

test('layout matches virsh list', () => {
  const t = new Table(['Id', 'Name', 'State']).add('1', 'test', 'running').add('-', 'longer-name', 'shut off');
  assert.equal(t.format(), [
    ' Id   Name          State',
    '------------------------------',
    ' 1    test          running',
    ' -    longer-name   shut off',
    ''].join('\n'));
});

test('quiet drops the header and rule, and the header no longer widens columns', () => {
  const t = new Table(['Id', 'Name', 'State']).add('1', 'test', 'running');
  assert.equal(t.format(true), ' 1   test   running\n');
});

test('an empty last cell still gets its separator, an empty table its header', () => {
  assert.equal(new Table(['Id', 'Title']).add('1', '').format(), ' Id   Title\n-------------\n 1    \n');
  assert.equal(new Table(['Name', 'Path']).format(), ' Name   Path\n--------------\n');
});

test('wide characters count as two columns; control characters are escaped', () => {
  assert.equal(displayWidth('日本'), 4);
  const t = new Table(['A', 'B']).add('日本', 'x').add('a\tb', 'y');
  assert.equal(t.format(), ' A        B\n-------------\n 日本     x\n a\\x09b   y\n');
});
