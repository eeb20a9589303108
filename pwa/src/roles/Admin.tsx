// The admin console: people, assignments and hand-overs, devices and sessions, safety alerts,
// shared tablets and the audit log, each screen in its own module under admin/. Admins manage
// people and never see anything a young person wrote: nothing here syncs.
import type { Route } from '../context';
import { AdminHome } from './admin/Home';
import { People } from './admin/People';
import { Assignments } from './admin/Assignments';
import { Sessions } from './admin/Sessions';
import { Audit } from './admin/Audit';
import { AlertRouting } from './admin/Safety';
import { Tablets } from './admin/Tablets';

export function AdminScreens({ route }: { route: Route }) {
  switch (route.name) {
    case 'people':
      // Keyed, so the home's "Review staff" opens it afresh with only those staff shown.
      return <People key={route.review ? 'review' : 'all'} review={route.review === true} />;
    case 'assignments':
      return <Assignments />;
    case 'sessions':
      return <Sessions id={route.id} />;
    case 'audit':
      return <Audit />;
    case 'alert-routing':
      return <AlertRouting />;
    case 'tablets':
      return <Tablets />;
    default:
      return <AdminHome />;
  }
}

