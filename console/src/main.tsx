// The console shell: navigation by hash routes and the pages.
import { render } from 'preact';
import { useHash } from './ui.js';
import { Phones } from './phones.js';
import { Conversations, ConversationDetail, TurnPage } from './conversations.js';
import { Numbers } from './numbers.js';
import { Messages } from './messages.js';
import { MessagePage } from './message.js';
import { Errors } from './errors.js';
import { Account } from './account.js';
import { Status } from './status.js';
import './style.css';

const PAGES = [['phones', 'Phones'], ['conversations', 'Conversations'], ['messages', 'Messages'], ['numbers', 'Numbers'], ['errors', 'Errors'], ['status', 'Status'], ['account', 'Account']] as const;

function App(): preact.JSX.Element {
  const [page = 'phones', a, b] = useHash();
  let body: preact.JSX.Element;
  if (page === 'conversations' && a && b) body = <ConversationDetail number={a} handset={b} />;
  else if (page === 'conversations') body = <Conversations />;
  else if (page === 'turn' && a) body = <TurnPage sid={a} />;
  else if (page === 'messages') body = <Messages />;
  else if (page === 'message' && a) body = <MessagePage key={a} sid={a} />; // a new message starts with no stale data
  else if (page === 'numbers') body = <Numbers />;
  else if (page === 'errors') body = <Errors />;
  else if (page === 'account') body = <Account />;
  else if (page === 'status') body = <Status />;
  else body = <Phones />;
  return (
    <>
      <nav aria-label="Console">
        <span class="brand">Parley</span>
        <ul>
          {PAGES.map(([key, label]) => (
            <li key={key}><a href={`#/${key}`} aria-current={page === key || (key === 'messages' && page === 'message') ? 'page' : undefined}>{label}</a></li>
          ))}
        </ul>
      </nav>
      <main>{body}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
