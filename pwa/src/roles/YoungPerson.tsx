// A young person's screens.
import { useContext } from 'preact/hooks';
import { Ctx, type Route } from '../context';
import { DeleteAccount } from '../screens/DeleteAccount';
import { Export } from '../screens/Export';
import { FromWorker } from '../screens/FromWorker';
import { GoalEditor, Goals } from '../screens/Goals';
import { Home } from '../screens/Home';
import { ItemList } from '../screens/Items';
import { Meeting } from '../screens/Meeting';
import { Seen } from '../screens/Seen';

export function YoungPersonScreens({ route }: { route: Route }) {
  const ctx = useContext(Ctx);
  switch (route.name) {
    case 'meeting':
      return <Meeting owner={route.owner} meeting={route.meeting} />;
    case 'goals':
      return <Goals />;
    case 'goal': {
      const item = ctx.items.find((i) => i.id === route.id);
      // Gone while open, or since (Back to it): said, rather than a list with no word why.
      return item ? <GoalEditor item={item} /> : <Goals gone={ctx.pulled} />;
    }
    case 'strengths':
      return <ItemList kind="strength" title="Good things about me" intro="Things you are good at, or that people like about you." />;
    case 'statements':
      return <ItemList kind="statement" title="What I want you to know" intro="Things you want the people who support you to know, in your words." />;
    case 'from-worker':
      return <FromWorker />;
    case 'seen':
      return <Seen />;
    case 'export':
      return <Export />;
    case 'delete-account':
      return <DeleteAccount />;
    default:
      return <Home />;
  }
}
