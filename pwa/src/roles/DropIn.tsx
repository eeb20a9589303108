// Drop-in staff: what young people chose to share with the whole team, and lending the tablet.
import { useContext } from 'preact/hooks';
import { Ctx, type Route } from '../context';
import { NewSince, Person } from '../screens/Worker';
import { sharedWords } from '../ui/words';

export function DropInScreens({ route }: { route: Route }) {
  if (route.name === 'person') return <Person id={route.id} />;
  return <Team />;
}

function Team() {
  const ctx = useContext(Ctx);
  return (
    <section>
      <h1>Shared with the team</h1>
      <p>What young people chose to share with everyone at the drop-in. Only what they shared with the team shows here.</p>
      {ctx.caseload.length === 0 ? (
        <p>{ctx.meKnown ? 'Nobody has shared anything with the team yet.' : 'Getting what young people share with the team… It shows here as soon as it arrives.'}</p>
      ) : (
        <ul class="cards">
          {ctx.caseload.map((p) => {
            const shared = ctx.items.filter((i) => i.owner === p.id && !i.deleted).length;
            return (
              <li class="card" key={p.id}>
                <h2>{p.display_name}</h2>
                <p>{sharedWords(shared, 'the team', ctx.pulled)}</p>
                <NewSince person={p.id} />
                <button type="button" onClick={() => ctx.go({ name: 'person', id: p.id })}>Open <span class="visually-hidden">{p.display_name}</span></button>
              </li>
            );
          })}
        </ul>
      )}
      <h2>Lending this tablet</h2>
      <p>Hand the tablet to a young person for their visit: you are signed out, and they sign in. Nothing of theirs stays on the tablet after they sign out or leave it.</p>
      <button type="button" onClick={ctx.lendTablet}>Hand the tablet to a young person</button>
    </section>
  );
}
