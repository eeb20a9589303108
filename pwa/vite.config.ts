import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  plugins: [
    preact(),
    VitePWA({
      registerType: 'prompt',
      injectRegister: null,
      includeAssets: ['icon-192.png', 'icon-512.png'],
      manifest: {
        // A neutral name on the home screen: nothing says what the app is for.
        name: 'Tandem',
        short_name: 'Tandem',
        description: 'Your goals and good things, in your words.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1d4e4a',
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,png,webmanifest}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/metrics/],
        cleanupOutdatedCaches: true,
        // "A young person has asked for help" on a staff device with Tandem closed (Web Push).
        importScripts: ['push-sw.js'],
      },
    }),
  ],
  build: { target: 'es2020', sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
