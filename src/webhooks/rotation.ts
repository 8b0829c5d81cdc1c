/** How long a rotated-out secret keeps signing beside the new one: a day to update the receiver. */
export const previousSecretGraceMs = 86_400_000;
