// Imported by the service worker Workbox builds (vite.config.ts, `importScripts`).
//
// A push from Tandem's server carries nothing: no name, no words, not even which young person.
// The push service in between (Google's, Mozilla's, Apple's) and a staff phone's lock screen
// learn only that Tandem has something that needs them. The app says the rest once opened.
self.addEventListener('push', (event) => {
  event.waitUntil(
    self.registration.showNotification('Tandem', {
      body: 'A young person you support has asked for help. Open Tandem to see.',
      tag: 'tandem-alert',
      renotify: true,
      requireInteraction: true,
      icon: '/icon-192.png',
    }),
  );
});

// Opening the notification brings an open Tandem to the front, or opens it.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((open) => {
      const tandem = open.find((c) => new URL(c.url).origin === self.location.origin);
      return tandem ? tandem.focus() : self.clients.openWindow('/');
    }),
  );
});
