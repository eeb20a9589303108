// A key worker's screens: their caseload, each young person's shared things, meeting pages, and
// inviting a young person they will support.
import type { Route } from '../context';
import { Invite } from '../screens/Invite';
import { Meeting } from '../screens/Meeting';
import { Caseload, Person } from '../screens/Worker';

export function KeyWorkerScreens({ route }: { route: Route }) {
  switch (route.name) {
    case 'meeting':
      return <Meeting owner={route.owner} meeting={route.meeting} />;
    case 'person':
      return <Person id={route.id} />;
    case 'invite':
      return <Invite />;
    default:
      return <Caseload />;
  }
}
