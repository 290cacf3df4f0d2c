/** `@lineage/sdk`: the client side of Lineage. */
export {};
