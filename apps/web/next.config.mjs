/**
 * A static export (out/): plain files the API process serves on its own origin (one port, no
 * CORS), in `weft up` and in `weft web`. Every page is a client page over the public REST API.
 */
/** @type {import('next').NextConfig} */
const config = {
  output: 'export',
  trailingSlash: true,
  reactStrictMode: true,
  poweredByHeader: false,
  images: { unoptimized: true },
};
export default config;
