// The CloudFront price class a distribution gets when the config names none:
// the cheapest one whose edge locations include the home region's part of the
// world. PriceClass_100 serves North America, Europe and Israel only; 200 adds
// Africa, the Middle East and most of Asia (Japan, Korea, Hong Kong, Taiwan,
// Singapore, the Philippines, India, Indonesia, Thailand, Malaysia, Vietnam);
// South America, Australia and New Zealand need PriceClass_All.

export type PriceClass = 'PriceClass_100' | 'PriceClass_200' | 'PriceClass_All';

/** Regions whose viewers the cheapest class would send across an ocean, by the class that serves them. */
const NEEDS_200 = /^(ap-(northeast-[123]|southeast-[1357]|south-[12]|east-[12])|me-[a-z]+-\d|af-south-1)$/;
const NEEDS_ALL = /^(sa-[a-z]+-\d|ap-southeast-[246])$/;

export function priceClassFor(region: string): PriceClass {
  if (NEEDS_ALL.test(region)) return 'PriceClass_All';
  if (NEEDS_200.test(region)) return 'PriceClass_200';
  return 'PriceClass_100';
}

/** Where a class serves from, in one line (init says it). */
export const PRICE_CLASS_REACH: Record<PriceClass, string> = {
  PriceClass_100: 'North America, Europe and Israel',
  PriceClass_200: 'North America, Europe, the Middle East, Africa and most of Asia (not Australia or South America)',
  PriceClass_All: 'every edge location, South America and Australia included',
};
