// Which copy of the secret an edge reads: the home region or the replica
// nearest (great-circle distance between region locations) to the region the
// function runs in. An explicit override wins; unknown regions fall back home.

/**
 * Where Lambda@Edge runs a function's replicas, and so writes its logs: the regions of CloudFront's regional
 * edge caches that every account has (no opt-in). The first few differ most: the local edge gives its
 * instances these regions in this order.
 */
export const EDGE_REGIONS = [
  'us-east-1',
  'eu-west-1',
  'ap-northeast-1',
  'us-west-2',
  'eu-central-1',
  'ap-southeast-2',
  'sa-east-1',
  'ap-south-1',
  'us-east-2',
  'us-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ca-central-1',
] as const;

const LOCATIONS: Record<string, readonly [number, number]> = {
  'us-east-1': [38.9, -77.4],
  'us-east-2': [40.0, -83.0],
  'us-west-1': [37.4, -122.0],
  'us-west-2': [45.8, -119.7],
  'ca-central-1': [45.5, -73.6],
  'ca-west-1': [51.0, -114.1],
  'mx-central-1': [20.6, -100.4],
  'sa-east-1': [-23.5, -46.6],
  'eu-west-1': [53.3, -6.3],
  'eu-west-2': [51.5, -0.1],
  'eu-west-3': [48.9, 2.35],
  'eu-central-1': [50.1, 8.7],
  'eu-central-2': [47.4, 8.5],
  'eu-north-1': [59.3, 18.1],
  'eu-south-1': [45.5, 9.2],
  'eu-south-2': [41.6, -0.9],
  'il-central-1': [32.1, 34.8],
  'me-south-1': [26.1, 50.6],
  'me-central-1': [25.2, 55.3],
  'af-south-1': [-33.9, 18.4],
  'ap-south-1': [19.1, 72.9],
  'ap-south-2': [17.4, 78.5],
  'ap-east-1': [22.3, 114.2],
  'ap-east-2': [25.0, 121.5],
  'ap-northeast-1': [35.7, 139.7],
  'ap-northeast-2': [37.6, 127.0],
  'ap-northeast-3': [34.7, 135.5],
  'ap-southeast-1': [1.35, 103.8],
  'ap-southeast-2': [-33.9, 151.2],
  'ap-southeast-3': [-6.2, 106.8],
  'ap-southeast-4': [-37.8, 145.0],
  'ap-southeast-5': [3.1, 101.7],
  'ap-southeast-6': [-36.8, 174.8],
  'ap-southeast-7': [13.8, 100.5],
};

function distance(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const [lat1, lon1] = [a[0] * rad, a[1] * rad];
  const [lat2, lon2] = [b[0] * rad, b[1] * rad];
  const h = Math.sin((lat2 - lat1) / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin((lon2 - lon1) / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface RegionChoice {
  secretRegion: string;
  replicaRegions: readonly string[];
  regionOverrides: Readonly<Record<string, string>>;
}

/** The regions to read from, best first; the home region is always the last resort. */
export function secretRegionsFor(edgeRegion: string | undefined, choice: RegionChoice): string[] {
  const home = choice.secretRegion;
  const candidates = [home, ...choice.replicaRegions];
  let best = home;
  const override = edgeRegion ? choice.regionOverrides[edgeRegion] : undefined;
  if (override) {
    best = override;
  } else if (edgeRegion && candidates.includes(edgeRegion)) {
    best = edgeRegion;
  } else if (edgeRegion && LOCATIONS[edgeRegion]) {
    const here = LOCATIONS[edgeRegion];
    let bestDistance = Infinity;
    for (const region of candidates) {
      const there = LOCATIONS[region];
      if (!there) continue;
      const d = distance(here, there);
      if (d < bestDistance) [best, bestDistance] = [region, d];
    }
  }
  return best === home ? [home] : [best, home];
}

/** A secret ARN names its region; a replica is read by the same ARN with that region swapped. */
export function secretIdIn(secretId: string, region: string): string {
  const parts = secretId.split(':');
  if (parts[0] !== 'arn' || parts.length < 7 || parts[2] !== 'secretsmanager') return secretId;
  parts[3] = region;
  return parts.join(':');
}
