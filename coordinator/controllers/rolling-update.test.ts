import { describe, expect, it } from 'vitest';
import type { DeploymentStrategy, IntOrPercent } from '../../protocol/manifest.js';
import { availableSurplus, fenceposts, minAvailable, oldScaleDownBudget, podsToCreate, scaledValue } from './rolling-update.js';

const rolling = (maxSurge: IntOrPercent, maxUnavailable: IntOrPercent): DeploymentStrategy => ({ type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } });

describe('scaledValue', () => {
  it.each<[IntOrPercent, number, boolean, number]>([
    [3, 10, true, 3],
    [3, 10, false, 3],
    ['25%', 3, true, 1],
    ['25%', 3, false, 0],
    ['25%', 4, true, 1],
    ['25%', 4, false, 1],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['50%', 5, true, 3],
    ['50%', 5, false, 2],
    ['100%', 7, false, 7],
    ['200%', 3, true, 6],
    ['0%', 9, true, 0],
    ['1%', 1, true, 1],
    ['1%', 1, false, 0],
  ])('%j of %i (round up: %s) is %i', (value, total, roundUp, expected) => {
    expect(scaledValue(value, total, roundUp)).toBe(expected);
  });
});

describe('fenceposts', () => {
  it.each<[string, DeploymentStrategy, number, { maxSurge: number; maxUnavailable: number }]>([
    ['the 25%/25% defaults on 3', rolling('25%', '25%'), 3, { maxSurge: 1, maxUnavailable: 0 }],
    ['the 25%/25% defaults on 4', rolling('25%', '25%'), 4, { maxSurge: 1, maxUnavailable: 1 }],
    ['the 25%/25% defaults on 10', rolling('25%', '25%'), 10, { maxSurge: 3, maxUnavailable: 2 }],
    ['the 25%/25% defaults on 1', rolling('25%', '25%'), 1, { maxSurge: 1, maxUnavailable: 0 }],
    ['both round to 0: one may be unavailable', rolling(0, '25%'), 3, { maxSurge: 0, maxUnavailable: 1 }],
    ['both round to 0 as percentages', rolling('0%', '10%'), 5, { maxSurge: 0, maxUnavailable: 1 }],
    ['unavailable capped at replicas', rolling(1, 5), 3, { maxSurge: 1, maxUnavailable: 3 }],
    ['counts as given', rolling(2, 1), 5, { maxSurge: 2, maxUnavailable: 1 }],
    ['no replicas: nothing', rolling('25%', '25%'), 0, { maxSurge: 0, maxUnavailable: 0 }],
    ['Recreate: nothing', { type: 'Recreate' }, 5, { maxSurge: 0, maxUnavailable: 0 }],
  ])('%s', (_, strategy, replicas, expected) => {
    expect(fenceposts(strategy, replicas)).toEqual(expected);
  });

  it('gives the minimum available', () => {
    expect(minAvailable(rolling('25%', '25%'), 10)).toBe(8);
    expect(minAvailable({ type: 'Recreate' }, 3)).toBe(3);
  });
});

describe('podsToCreate (NewRSNewReplicas)', () => {
  it.each<[string, { replicas: number; maxSurge: number; counted: number; current: number }, number]>([
    ['a new Deployment: all of them', { replicas: 3, maxSurge: 1, counted: 0, current: 0 }, 3],
    ['an update starts within the surge', { replicas: 3, maxSurge: 1, counted: 3, current: 0 }, 1],
    ['a larger surge', { replicas: 10, maxSurge: 3, counted: 10, current: 0 }, 3],
    ['the surge is used up', { replicas: 3, maxSurge: 1, counted: 4, current: 1 }, 0],
    ['past the surge (a scale-down mid-update)', { replicas: 3, maxSurge: 1, counted: 6, current: 1 }, 0],
    ['never beyond replicas of the current template', { replicas: 3, maxSurge: 5, counted: 3, current: 2 }, 1],
    ['no surge: only into room made', { replicas: 3, maxSurge: 0, counted: 2, current: 0 }, 1],
    ['scale-up of a settled Deployment', { replicas: 5, maxSurge: 2, counted: 3, current: 3 }, 2],
  ])('%s', (_, counts, expected) => {
    expect(podsToCreate(counts)).toBe(expected);
  });
});

describe('old pods making way', () => {
  it.each<[string, { counted: number; minAvailable: number; currentUnavailable: number }, number]>([
    ['nothing while the new pods are not available', { counted: 4, minAvailable: 3, currentUnavailable: 1 }, 0],
    ['room made by a surge pod', { counted: 5, minAvailable: 3, currentUnavailable: 1 }, 1],
    ['new pods available: the surplus', { counted: 13, minAvailable: 8, currentUnavailable: 0 }, 5],
    ["Kubernetes' crashloop example: none", { counted: 13, minAvailable: 8, currentUnavailable: 5 }, 0],
  ])('budget: %s', (_, counts, expected) => {
    expect(oldScaleDownBudget(counts)).toBe(expected);
  });

  it('scales down only what is available above the minimum', () => {
    expect(availableSurplus({ available: 4, minAvailable: 3 })).toBe(1);
    expect(availableSurplus({ available: 3, minAvailable: 3 })).toBe(0);
    expect(availableSurplus({ available: 1, minAvailable: 3 })).toBe(0);
  });
});
