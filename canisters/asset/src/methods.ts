/** Azle's method decorators with the argument's decoding work bounded (see `@lineage/kit`'s `candidWorkProblem`). */
import * as azle from 'azle';
import { boundedMethods } from '@lineage/kit';

export const { update, query } = boundedMethods(azle);
