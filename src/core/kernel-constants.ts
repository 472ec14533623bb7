// Linux address families and IP protocol numbers, as the kernel reports them to every tier.
export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
